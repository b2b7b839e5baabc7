import { CODE_LIST_KEY, codeListsOf, codeSchema, factSchemas, withCodeLists } from './json-schemas';
import type { ReferenceCatalog } from './reference-catalog';

const catalog: ReferenceCatalog = {
  units: new Map([
    ['north', { kind: 'zone', name: '北区' }],
    ['south', { kind: 'district', name: '南区' }],
  ]),
  chains: new Map([['nev', { name: '新能源汽车' }]]),
  funds: new Map([['angel', { level: 'municipal', name: '天使基金' }]]),
  timezone: 'Asia/Shanghai',
};

describe('withCodeLists', () => {
  const lists = codeListsOf(catalog);

  it("fills a marked schema, an array's items and an OpenAPI parameter's schema with the loaded codes and their names", () => {
    const document = {
      unit: codeSchema('units', 'north'),
      channels: factSchemas.channels,
      parameter: { in: 'query', name: 'chain', [CODE_LIST_KEY]: 'chains', schema: { type: 'string' } },
      plain: { type: 'string', enum: ['a'] },
    };
    const filled = withCodeLists(document, lists);
    expect(filled.unit).toMatchObject({ enum: ['north', 'south'], 'x-enum-descriptions': ['北区', '南区'], example: 'north' });
    expect((filled.channels as { items: Record<string, unknown> }).items['x-enum-descriptions']).toContain('产业链招商');
    expect(filled.parameter.schema).toEqual({ type: 'string', enum: ['nev'], 'x-enum-descriptions': ['新能源汽车'] });
    expect(filled.plain).toEqual({ type: 'string', enum: ['a'] });
    // The domain's schemas stay data-free.
    expect(document.unit.enum).toBeUndefined();
  });

  it('lists every code of the catalog and of the fixed vocabularies', () => {
    expect(lists.funds).toEqual([{ code: 'angel', name: '天使基金' }]);
    expect(lists.sectors.map((s) => s.code)).toEqual(['emerging', 'future', 'other']);
    expect(lists.regions).toHaveLength(11);
  });
});
