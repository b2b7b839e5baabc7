import fc from 'fast-check';
import { parseCommand } from '@app/domain';
import { activityCommand, leadBody, reference } from '../../../test/support/fixtures';
import { bodyShapeIssues, sameOrNested } from './command-dtos';

const ctx = { ref: reference, now: new Date('2025-12-31T00:00:00Z') };
const projectId = '0b6f1a52-2f4e-4f43-8d2b-6a6c1f3d9e11';
const at = '2025-03-01T10:00:00+08:00';

/** A valid command of each type, as `type` + id + body. */
const VALID: Record<string, Record<string, unknown>> = {
  RegisterLead: { type: 'RegisterLead', ...leadBody({ projectId }) },
  RecordVisit: { type: 'RecordVisit', projectId, direction: 'inbound', note: '第一次走访', occurredAt: at },
  RecordFundInvestment: { type: 'RecordFundInvestment', projectId, fund: 'zz-angel-fund', amountWan: 5000, occurredAt: at },
  SignProject: { type: 'SignProject', projectId, signedAmountWan: 200_000, occurredAt: at },
  StartProject: { type: 'StartProject', projectId, startedInvestmentWan: 80_000, occurredAt: at },
  CorrectProject: {
    type: 'CorrectProject',
    projectId,
    changes: { unit: 'zz-erqi', investor: { name: '某公司', originRegion: 'jjj' }, signedAt: at },
    reason: '数据核对',
    occurredAt: at,
  },
  DropProject: { type: 'DropProject', projectId, reason: '企业战略调整', occurredAt: at },
  RecordActivity: activityCommand({ occurredAt: at }),
};

const domainFields = (fields: Record<string, unknown>): string[] => {
  const parsed = parseCommand(fields, ctx);
  return parsed.ok || parsed.error.kind !== 'invalid_input' ? [] : parsed.error.details.map((d) => d.field);
};

/** Values a client might send in place of a field's value. */
const junk = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.constant('   '),
  fc.constant([]),
  fc.constant({}),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: false }),
  fc.constant(10_000_000_001),
  fc.string({ maxLength: 30 }),
  fc.constant('x'.repeat(2001)),
  fc.constant(['fund', 'fund']),
  fc.constant(['telepathy']),
);

describe('command DTOs', () => {
  it.each(Object.keys(VALID))('accept a valid %s', async (type) => {
    expect(await bodyShapeIssues(type as never, VALID[type])).toEqual([]);
  });

  it('name only fields that the domain refuses too (the field itself, a part of it or what holds it)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(VALID)), fc.nat(), junk, fc.boolean(), async (type, pick, value, nested) => {
        const body = structuredClone(VALID[type]);
        const keys = Object.keys(body).filter((k) => k !== 'type' && k !== 'projectId' && k !== 'activityId');
        const key = keys[pick % keys.length];
        const target =
          nested && typeof body[key] === 'object' && body[key] !== null && !Array.isArray(body[key])
            ? (body[key] as Record<string, unknown>)
            : body;
        const field = target === body ? key : Object.keys(target)[pick % Object.keys(target).length];
        target[field] = value;
        const shape = (await bodyShapeIssues(type as never, body)).map((issue) => issue.field);
        const domain = domainFields(body);
        for (const flagged of shape) expect(domain.some((d) => sameOrNested(d, flagged))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
