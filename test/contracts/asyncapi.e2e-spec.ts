import { randomUUID } from 'node:crypto';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  EMPTY_PLAN,
  EVENT_TYPES,
  decide,
  decideActivity,
  decideClosePeriod,
  decideTargetChange,
  parseTargetChange,
  isProjectEventType,
  parseCommand,
  evolve,
  type DecideContext,
  type DomainEvent,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
} from '@app/domain';
import { KPI_RESULT_SCHEMA, asyncApiDocument, envelopeSchema } from '@app/messaging';
import { KpiQueries } from '@app/read-models';
import { freshDatabase, type TestDatabase } from '../support/database';
import { VALID_CREDIT_CODES, reference } from '../support/fixtures';
import { call, startIngestApi } from '../support/services';

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const ctx: DecideContext = { ref: reference, now: new Date('2026-01-01T00:00:00Z') };
const at = (day: number) => new Date(Date.UTC(2025, 0, day, 2)).toISOString().replace('Z', '+00:00');

/** Commands that make every event type, with every optional field and every kind of change. */
function lifeOf(projectId: string): ProjectCommand[] {
  const lead = {
    type: 'RegisterLead' as const,
    projectId,
    occurredAt: at(1),
    name: ' 新能源项目 ',
    investor: { name: '投资方', creditCode: VALID_CREDIT_CODES[0].toLowerCase(), originRegion: 'gba' as const, top500: true },
    industry: { chain: 'nev', sector: 'emerging' as const },
    industrial: true,
    channels: ['fund' as const, 'industry_chain' as const],
    unit: 'zz-airport',
    plannedInvestmentWan: 0,
  };
  return [
    lead,
    { type: 'RecordVisit', projectId, occurredAt: at(2), direction: 'inbound', note: '第一次\n走访' },
    { type: 'RecordVisit', projectId, occurredAt: at(3), direction: 'outbound' },
    { type: 'RecordFundInvestment', projectId, occurredAt: at(4), fund: [...reference.funds.keys()][0], amountWan: 100 },
    { type: 'SignProject', projectId, occurredAt: at(5), signedAmountWan: 5000 },
    { type: 'StartProject', projectId, occurredAt: at(6), startedInvestmentWan: 3000 },
    {
      type: 'CorrectProject',
      projectId,
      occurredAt: at(7),
      reason: '更正',
      changes: {
        name: '新名称',
        investor: { name: '新投资方', originRegion: 'yrd' },
        industry: { chain: 'nev', sector: 'future' },
        industrial: false,
        channels: ['intermediary'],
        unit: 'zz-hitech',
        plannedInvestmentWan: 10,
        signedAmountWan: 6000,
        startedInvestmentWan: 3500,
        signedAt: at(5),
        startedAt: at(6),
      },
    },
  ] as ProjectCommand[];
}

/** Parses and decides a command as the write side does; it must be accepted. */
function accepted(raw: Record<string, unknown>, state: ProjectState | null): DomainEvent[] {
  const parsed = parseCommand(raw, ctx);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const decision = parsed.command.type === 'RecordActivity' ? decideActivity(parsed.command, null) : decide(parsed.command, state);
  if (!decision.ok) throw new Error(JSON.stringify(decision.error));
  return [...decision.events];
}

/** The events the deciders emit for the commands, each in the envelope the store gives it. */
function envelopes(): { type: DomainEvent['type']; envelope: Record<string, unknown> }[] {
  const emitted: DomainEvent[] = [];
  let state: ProjectState | null = null;
  for (const command of lifeOf(randomUUID())) {
    const events = accepted(command as unknown as Record<string, unknown>, state);
    for (const event of events) if (isProjectEventType(event.type)) state = evolve(state, event as ProjectEvent);
    emitted.push(...events);
  }
  const dropped = randomUUID();
  const [registered] = accepted(lifeOf(dropped)[0] as unknown as Record<string, unknown>, null);
  const droppedState = evolve(null, registered as never);
  emitted.push(...accepted({ type: 'DropProject', projectId: dropped, occurredAt: at(2), reason: '放弃' }, droppedState));
  emitted.push(
    ...accepted(
      {
        type: 'RecordActivity',
        activityId: randomUUID(),
        occurredAt: at(3),
        kind: 'conference',
        title: '洽谈会',
        region: 'jjj',
        unit: 'zz-airport',
      },
      null,
    ),
  );
  const closed = decideClosePeriod({ period: { kind: 'quarter', year: 2025, quarter: 1 }, reason: '一季度关账' }, EMPTY_PLAN, {
    now: new Date('2025-04-10T02:00:00Z'),
    timeZone: 'Asia/Shanghai',
    headPosition: 99,
  });
  if (!closed.ok) throw new Error(JSON.stringify(closed.error));
  emitted.push(...closed.events);
  const targetCtx = { unitKinds: new Map([['zz-erqi', 'district']]), fileComparator: () => null, now: new Date('2025-06-01T02:00:00Z') };
  const change = parseTargetChange(
    { code: 'signed_total_wan', scope: 'city', period: '2025', target: 80_000_000, reason: '年中调整' },
    targetCtx,
  );
  if (!change.ok) throw new Error(JSON.stringify(change.error));
  const changed = decideTargetChange(change.command, EMPTY_PLAN, targetCtx);
  if (!changed.ok) throw new Error(JSON.stringify(changed.error));
  emitted.push(...changed.events);
  return emitted.map((event, i) => {
    const data = event.data as { projectId?: string; activityId?: string };
    return {
      type: event.type,
      envelope: {
        eventId: randomUUID(),
        type: event.type,
        streamId:
          event.type === 'PeriodClosed' || event.type === 'TargetChanged'
            ? 'plan-2025'
            : data.activityId
              ? `activity-${data.activityId}`
              : `project-${data.projectId}`,
        version: i + 1,
        position: 100 + i,
        occurredAt: event.occurredAt,
        recordedAt: new Date().toISOString(),
        schemaVersion: 1,
        actor: { kind: 'team', id: 'admin' },
        data: event.data,
      },
    };
  });
}

describe('the AsyncAPI document of the topics', () => {
  it('is a valid AsyncAPI 3 document', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument('x.', ['127.0.0.1:9092'])));
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(['x.investment.events.v1', 'x.investment.events.v1.dlq', 'x.investment.kpi-snapshots.v1']);
    expect(
      document
        ?.messages()
        .all()
        .map((m) => m.name())
        .sort(),
    ).toEqual([...EVENT_TYPES, 'deadLetter', 'kpiResult'].sort());
  });

  it('every event type the deciders emit matches its schema, and a drifted payload does not', () => {
    const all = envelopes();
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    for (const { type, envelope } of all) {
      const validate = ajv.compile(envelopeSchema(type));
      expect({ type, valid: validate(envelope), errors: validate.errors ?? null }).toEqual({ type, valid: true, errors: null });
      const drifted = { ...envelope, data: { ...(envelope.data as object), unknownField: 1 } };
      expect(validate(drifted)).toBe(false);
    }
  });

  describe('served and matched by what the system stores and computes (real PostgreSQL)', () => {
    let db: TestDatabase;
    let url: string;
    let app: NestFastifyApplication;
    beforeAll(async () => {
      db = await freshDatabase();
      ({ url, app } = await startIngestApi(db));
    });
    afterAll(async () => {
      await app.close();
      await db.drop();
    });

    it('GET /docs/asyncapi.json answers the document', async () => {
      const served = await call(url, 'GET', '/docs/asyncapi.json', { key: null });
      expect(served.status).toBe(200);
      expect(served.body.asyncapi).toBe('3.0.0');
    });

    it('stored envelopes, read back from the store, match their schemas; KPI results match the snapshot schema', async () => {
      const projectId = randomUUID();
      for (const command of lifeOf(projectId)) {
        const { type, projectId: _id, ...body } = command as unknown as Record<string, unknown>;
        const path = {
          RegisterLead: '/v1/projects',
          RecordVisit: 'visits',
          RecordFundInvestment: 'fund-investments',
          SignProject: 'signing',
          StartProject: 'start',
          CorrectProject: 'corrections',
        }[type as string]!;
        const answer = await call(url, 'POST', path.startsWith('/') ? path : `/v1/projects/${projectId}/${path}`, {
          body: type === 'RegisterLead' ? { projectId, ...body } : body,
        });
        expect(answer.status).toBe(201);
      }
      const { rows } = await db.pool.query(
        `SELECT json_build_object('eventId', event_id, 'type', type, 'streamId', stream_id, 'version', version, 'position', position,
                'occurredAt', occurred_at, 'recordedAt', recorded_at, 'schemaVersion', schema_version, 'actor', actor, 'data', data) AS e
           FROM events WHERE stream_id = $1 ORDER BY version`,
        [`project-${projectId}`],
      );
      expect(rows).toHaveLength(7);
      for (const { e } of rows) {
        const validate = ajv.compile(envelopeSchema(e.type));
        expect({ type: e.type, valid: validate(e), errors: validate.errors ?? null }).toEqual({ type: e.type, valid: true, errors: null });
      }
      const results = await new KpiQueries(db.pool, reference).units({ period: { kind: 'year', year: 2025 }, asOf: null, now: new Date() });
      const validate = ajv.compile(KPI_RESULT_SCHEMA);
      for (const result of results) expect(validate(result)).toBe(true);
    });
  });
});
