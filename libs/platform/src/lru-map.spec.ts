import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('keeps at most its capacity, forgetting the least recently used first', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // now 'b' is the least recently used
    map.set('c', 3);
    expect([map.has('a'), map.has('b'), map.has('c')]).toEqual([true, false, true]);
    map.set('a', 4); // setting counts as use too
    map.set('d', 5);
    expect([map.get('a'), map.has('c'), map.get('d')]).toEqual([4, false, 5]);
  });
});
