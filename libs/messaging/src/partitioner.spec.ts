import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { keyPartitioner, murmur2 } from './partitioner';

describe('key partitioner', () => {
  const partitionMetadata = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }) as never);

  it('puts every key on the partition the JVM clients (and kafkajs) choose', () => {
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      ...Array.from({ length: 2000 }, (_, i) => `project-${randomUUID()}`.slice(0, 8 + (i % 40))),
      ...Array.from({ length: 200 }, () => randomBytes(1 + Math.floor(Math.random() * 64)).toString('latin1')),
    ];
    for (const partitions of [1, 6, 7, 64]) {
      for (const key of keys) {
        const message = { key, value: 'x' };
        expect([key, ours({ topic: 't', partitionMetadata: partitionMetadata(partitions), message })]).toEqual([
          key,
          theirs({ topic: 't', partitionMetadata: partitionMetadata(partitions), message }),
        ]);
      }
    }
  });

  it('computes the reference values of the JVM implementation', () => {
    // Kafka's UtilsTest: murmur2 of these strings.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });
});
