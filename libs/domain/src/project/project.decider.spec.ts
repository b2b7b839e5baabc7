import fc from 'fast-check';
import { leadBody, reference } from '../../../../test/support/fixtures';
import type { DomainError } from '../errors';
import { decide, evolve, parseProjectCommand, type DecideContext, type ProjectState } from './project.decider';
import type { ProjectEvent } from './project.events';
import { deciderSpec } from '../../../../test/support/decider-spec';

const ctx: DecideContext = { ref: reference, now: new Date('2025-12-31T00:00:00Z') };

/** A command as a client sends it. */
type RawCommand = Record<string, unknown>;

/** What the write side does with a command: parse it, then decide the parsed command. */
function decideRaw(raw: RawCommand, state: ProjectState | null) {
  const parsed = parseProjectCommand(raw, ctx);
  return parsed.ok ? decide(parsed.command, state) : parsed;
}
const projectId = '0b6f1a52-2f4e-4f43-8d2b-6a6c1f3d9e11';

const lead = (overrides: Record<string, unknown> = {}) => ({ type: 'RegisterLead', ...leadBody({ projectId, ...overrides }) });
const cmd = (type: string, fields: Record<string, unknown>) => ({ type, projectId, occurredAt: '2025-02-01T10:00:00+08:00', ...fields });

const visit = cmd('RecordVisit', { direction: 'inbound' });
const fund = cmd('RecordFundInvestment', { fund: 'zz-angel-fund', amountWan: 5000 });
const sign = (at = '2025-03-01T10:00:00+08:00', amount = 200_000) => cmd('SignProject', { signedAmountWan: amount, occurredAt: at });
const start = (at = '2025-04-01T10:00:00+08:00') => cmd('StartProject', { startedInvestmentWan: 80_000, occurredAt: at });
const drop = cmd('DropProject', { reason: '企业战略调整' });
const correct = (changes: Record<string, unknown>) =>
  cmd('CorrectProject', { changes, reason: '数据核对', occurredAt: '2025-06-01T10:00:00+08:00' });

const spec = deciderSpec<ProjectState | null, ProjectEvent>({ initialState: null, decide: decideRaw, evolve });

/** The history that the commands write (each must be accepted). */
const given = (...commands: RawCommand[]) => spec.given(spec.eventsOf(...commands));

describe('project decider: accepted commands and their events', () => {
  it.each<[string, RawCommand[], RawCommand, Partial<ProjectEvent>]>([
    ['a lead registers', [], lead(), { type: 'LeadRegistered', occurredAt: '2025-01-10T01:00:00.000Z' }],
    ['a visit on a lead', [lead()], visit, { type: 'VisitRecorded', data: { projectId, direction: 'inbound' } }],
    ['a fund investment', [lead()], fund, { type: 'FundInvestmentMade', data: { projectId, fund: 'zz-angel-fund', amountWan: 5000 } }],
    ['signing', [lead(), visit], sign(), { type: 'ProjectSigned', data: { projectId, signedAmountWan: 200_000 } }],
    ['signing on the lead date itself', [lead()], sign('2025-01-10T09:00:00+08:00'), { type: 'ProjectSigned' }],
    ['starting after signing', [lead(), sign()], start(), { type: 'ProjectStarted', occurredAt: '2025-04-01T02:00:00.000Z' }],
    ['a visit after signing', [lead(), sign()], visit, { type: 'VisitRecorded' }],
    ['a fund investment after starting', [lead(), sign(), start()], fund, { type: 'FundInvestmentMade' }],
    ['dropping a lead', [lead(), visit], drop, { type: 'ProjectDropped', data: { projectId, reason: '企业战略调整' } }],
    ['correcting facts of a lead', [lead()], correct({ unit: 'zz-erqi', channels: ['university'] }), { type: 'ProjectCorrected' }],
    [
      'moving the signing date after signing',
      [lead(), sign()],
      correct({ signedAt: '2025-04-01T00:30:00+08:00' }),
      { type: 'ProjectCorrected' },
    ],
    [
      'correcting the started amount after starting',
      [lead(), sign(), start()],
      correct({ startedInvestmentWan: 1 }),
      { type: 'ProjectCorrected' },
    ],
  ])('%s', (_name, history, command, expected) => {
    given(...history)
      .when(command)
      .then([expected]);
  });

  it('normalizes what it stores: trimmed texts, upper-case credit code, UTC instants', () => {
    const [event] = given()
      .when(lead({ name: '  项目  ', investor: { name: ' 某公司 ', creditCode: '91110000600037341l', originRegion: 'jjj' } }))
      .then([{ type: 'LeadRegistered' }]);
    expect(event).toEqual({
      type: 'LeadRegistered',
      occurredAt: '2025-01-10T01:00:00.000Z',
      data: expect.objectContaining({ name: '项目', investor: { name: '某公司', creditCode: '91110000600037341L', originRegion: 'jjj' } }),
    });
  });
});

describe('project decider: lifecycle rules (422) and existence (404, 409)', () => {
  it.each<[string, RawCommand[], RawCommand, DomainError['kind'], string | null]>([
    ['registering an existing project', [lead()], lead(), 'already_exists', null],
    ['a visit for a project that does not exist', [], visit, 'not_found', null],
    ['signing a project that does not exist', [], sign(), 'not_found', null],
    ['a visit on a dropped project', [lead(), drop], visit, 'rule_violation', 'project_dropped'],
    ['a fund investment on a dropped project', [lead(), drop], fund, 'rule_violation', 'project_dropped'],
    ['signing a dropped project', [lead(), drop], sign(), 'rule_violation', 'project_dropped'],
    ['correcting a dropped project', [lead(), drop], correct({ name: '新名称' }), 'rule_violation', 'project_dropped'],
    ['dropping twice', [lead(), drop], drop, 'rule_violation', 'project_dropped'],
    ['signing twice', [lead(), sign()], sign('2025-03-02T10:00:00+08:00'), 'rule_violation', 'already_signed'],
    ['starting before signing', [lead()], start(), 'rule_violation', 'not_signed'],
    ['starting twice', [lead(), sign(), start()], start('2025-05-01T10:00:00+08:00'), 'rule_violation', 'already_started'],
    ['dropping after signing', [lead(), sign()], drop, 'rule_violation', 'drop_after_signing'],
    ['correcting the signed amount before signing', [lead()], correct({ signedAmountWan: 10 }), 'rule_violation', 'stage_not_reached'],
    [
      'correcting the signing date before signing',
      [lead()],
      correct({ signedAt: '2025-03-01T10:00:00+08:00' }),
      'rule_violation',
      'stage_not_reached',
    ],
    [
      'correcting the start amount before starting',
      [lead(), sign()],
      correct({ startedInvestmentWan: 10 }),
      'rule_violation',
      'stage_not_reached',
    ],
    [
      'correcting the start date before starting',
      [lead(), sign()],
      correct({ startedAt: '2025-05-01T10:00:00+08:00' }),
      'rule_violation',
      'stage_not_reached',
    ],
    ['signing before the lead date', [lead()], sign('2025-01-10T08:59:59+08:00'), 'rule_violation', 'stage_dates_out_of_order'],
    [
      'starting before the signing date',
      [lead(), sign()],
      start('2025-02-28T10:00:00+08:00'),
      'rule_violation',
      'stage_dates_out_of_order',
    ],
    [
      'a correction moving signing before the lead',
      [lead(), sign()],
      correct({ signedAt: '2024-12-31T10:00:00+08:00' }),
      'rule_violation',
      'stage_dates_out_of_order',
    ],
    [
      'a correction moving signing after the start',
      [lead(), sign(), start()],
      correct({ signedAt: '2025-04-02T10:00:00+08:00' }),
      'rule_violation',
      'stage_dates_out_of_order',
    ],
    [
      'a correction moving the start before signing',
      [lead(), sign(), start()],
      correct({ startedAt: '2025-02-01T10:00:00+08:00' }),
      'rule_violation',
      'stage_dates_out_of_order',
    ],
  ])('%s is refused', (_name, history, command, kind, code) => {
    given(...history)
      .when(command)
      .thenRefuses(code ? { kind, code } : { kind });
  });
});

describe('project decider: invalid input (400) names every bad field', () => {
  const fieldsOf = (error: DomainError) => (error.kind === 'invalid_input' ? error.details.map((d) => d.field).sort() : [error.kind]);

  it.each<[string, RawCommand[], RawCommand, string[]]>([
    ['an unknown unit', [], lead({ unit: 'zz-nowhere' }), ['unit']],
    ['an unknown chain and sector', [], lead({ industry: { chain: 'steel', sector: 'sunset' } }), ['industry.chain', 'industry.sector']],
    ['an unknown channel', [], lead({ channels: ['fund', 'telepathy'] }), ['channels.1']],
    ['an empty channel set', [], lead({ channels: [] }), ['channels']],
    ['an unknown origin region', [], lead({ investor: { name: 'X', originRegion: 'mars' } }), ['investor.originRegion']],
    [
      'a credit code with a wrong check character',
      [],
      lead({ investor: { name: 'X', originRegion: 'jjj', creditCode: '91110000600037341M' } }),
      ['investor.creditCode'],
    ],
    ['an empty name', [], lead({ name: '  ' }), ['name']],
    ['a negative planned investment', [], lead({ plannedInvestmentWan: -1 }), ['plannedInvestmentWan']],
    ['a fractional planned investment', [], lead({ plannedInvestmentWan: 1.5 }), ['plannedInvestmentWan']],
    ['an amount given as a string', [lead()], sign('2025-03-01T10:00:00+08:00', '100' as unknown as number), ['signedAmountWan']],
    ['a zero signed amount', [lead()], sign('2025-03-01T10:00:00+08:00', 0), ['signedAmountWan']],
    ['an occurredAt without offset', [], lead({ occurredAt: '2025-01-10T09:00:00' }), ['occurredAt']],
    ['an occurredAt more than 24 h ahead', [], lead({ occurredAt: '2026-01-02T00:00:01Z' }), ['occurredAt']],
    ['an impossible date', [], lead({ occurredAt: '2025-02-30T10:00:00+08:00' }), ['occurredAt']],
    ['a field the command does not know', [], lead({ budget: 1 }), ['budget']],
    ['an unknown nested field', [], lead({ investor: { name: 'X', originRegion: 'jjj', ceo: 'Y' } }), ['investor.ceo']],
    ['a projectId that is not a uuid', [], lead({ projectId: 'p-1' }), ['projectId']],
    ['an unknown fund', [lead()], cmd('RecordFundInvestment', { fund: 'zz-moon-fund', amountWan: 1 }), ['fund']],
    ['an unknown visit direction', [lead()], cmd('RecordVisit', { direction: 'sideways' }), ['direction']],
    ['an empty drop reason', [lead()], cmd('DropProject', { reason: '' }), ['reason']],
    ['an empty correction', [lead()], cmd('CorrectProject', { changes: {}, reason: 'x' }), ['changes']],
    [
      'a correction of a field that cannot change',
      [lead()],
      correct({ projectId: 'x', stage: 'signed' }),
      ['changes.projectId', 'changes.stage'],
    ],
    [
      'a correction with a bad unit and no reason',
      [lead()],
      cmd('CorrectProject', { changes: { unit: 'nope' } }),
      ['changes.unit', 'reason'],
    ],
    [
      'several bad fields at once',
      [],
      lead({ unit: 'x', plannedInvestmentWan: 'lots', occurredAt: 'yesterday' }),
      ['occurredAt', 'plannedInvestmentWan', 'unit'],
    ],
  ])('%s', (_name, history, command, fields) => {
    expect(
      fieldsOf(
        given(...history)
          .when(command)
          .thenRefuses(),
      ),
    ).toEqual(fields.sort());
  });

  it('checks input before existence: a bad field on a missing project is a 400, not a 404', () => {
    given()
      .when(cmd('RecordVisit', { direction: 'up' }))
      .thenRefuses({ kind: 'invalid_input' });
  });
});

describe('project decider: state', () => {
  it('folds a whole life into the state GET /v1/projects/{id} shows', () => {
    const state = given(
      lead(),
      visit,
      cmd('RecordVisit', { direction: 'outbound' }),
      fund,
      sign(),
      start(),
      correct({ signedAmountWan: 250_000, unit: 'zz-erqi' }),
    ).state;
    expect(state).toMatchObject({
      projectId,
      stage: 'started',
      unit: 'zz-erqi',
      signedAmountWan: 250_000,
      signedAt: '2025-03-01T02:00:00.000Z',
      startedInvestmentWan: 80_000,
      visits: { inbound: 1, outbound: 1 },
      fundInvestedWan: 5000,
      leadAt: '2025-01-10T01:00:00.000Z',
    });
  });

  it('a visit turns a lead into negotiating', () => {
    expect(given(lead()).state!.stage).toBe('lead');
    expect(given(lead(), visit).state!.stage).toBe('negotiating');
  });
});

describe('project decider: properties over random command sequences', () => {
  const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString();
  const arbCommand = fc.oneof(
    fc.record({ kind: fc.constant('visit' as const), d: fc.integer({ min: 0, max: 360 }) }),
    fc.record({ kind: fc.constant('fund' as const), d: fc.integer({ min: 0, max: 360 }) }),
    fc.record({ kind: fc.constant('sign' as const), d: fc.integer({ min: 0, max: 360 }) }),
    fc.record({ kind: fc.constant('start' as const), d: fc.integer({ min: 0, max: 360 }) }),
    fc.record({ kind: fc.constant('drop' as const), d: fc.integer({ min: 0, max: 360 }) }),
    fc.record({ kind: fc.constant('moveSigning' as const), d: fc.integer({ min: 0, max: 360 }) }),
    fc.record({ kind: fc.constant('moveStart' as const), d: fc.integer({ min: 0, max: 360 }) }),
  );
  const toCommand = ({ kind, d }: { kind: string; d: number }): RawCommand => {
    const at = day(d);
    switch (kind) {
      case 'visit':
        return cmd('RecordVisit', { direction: 'inbound', occurredAt: at });
      case 'fund':
        return cmd('RecordFundInvestment', { fund: 'zz-angel-fund', amountWan: 10, occurredAt: at });
      case 'sign':
        return sign(at);
      case 'start':
        return start(at);
      case 'drop':
        return cmd('DropProject', { reason: 'r', occurredAt: at });
      case 'moveSigning':
        return cmd('CorrectProject', { changes: { signedAt: at }, reason: 'r', occurredAt: at });
      default:
        return cmd('CorrectProject', { changes: { startedAt: at }, reason: 'r', occurredAt: at });
    }
  };

  it('no sequence reaches a state that breaks the lifecycle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(arbCommand, { maxLength: 30 }), (leadDay, commands) => {
        let state = given(lead({ occurredAt: day(leadDay) })).state!;
        let droppedAfter = false;
        for (const command of commands.map(toCommand)) {
          const decision = decideRaw(command, state);
          if (!decision.ok) continue;
          if (state.stage === 'dropped') droppedAfter = true;
          state = decision.events.reduce<ProjectState>((s, e) => evolve(s, e), state);
          const lead = Date.parse(state.leadAt);
          if (state.startedAt !== null && state.signedAt === null) throw new Error('started but not signed');
          if (state.stage === 'dropped' && state.signedAt !== null) throw new Error('signed and dropped');
          if (state.signedAt !== null && Date.parse(state.signedAt) < lead) throw new Error('signed before the lead');
          if (state.startedAt !== null && Date.parse(state.startedAt) < Date.parse(state.signedAt!))
            throw new Error('started before signed');
          if (state.stage === 'started' && state.startedAt === null) throw new Error('stage started without a date');
        }
        expect(droppedAfter).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
