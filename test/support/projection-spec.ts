import { decide, decideActivity, evolve, parseCommand, type DecideContext, type ProjectState } from '@app/domain';
import { PostgresEventStore } from '@app/event-store';
import { KpiQueries, LIVE_SCHEMA, applyEvents, type KpiResult } from '@app/read-models';
import type { TestDatabase } from './database';
import { reference } from './fixtures';

const actor = { kind: 'team' as const, id: 'spec' };

/**
 * Read models and KPIs from commands, without HTTP or Kafka: each command is parsed and
 * decided as the write side does, appended to the store, and every stored event applied
 * to the read models as the projector applies a chunk. For KPI arithmetic stated by hand.
 */
export class ProjectionSpec {
  private constructor(private readonly db: TestDatabase) {}

  /** Given these commands (each must be accepted), in order. */
  static async given(db: TestDatabase, commands: readonly Record<string, unknown>[]): Promise<ProjectionSpec> {
    const ctx: DecideContext = { ref: reference, now: new Date() };
    const store = new PostgresEventStore(db.pool);
    const states = new Map<string, { version: number; project: ProjectState | null }>();
    for (const raw of commands) {
      const parsed = parseCommand(raw, ctx);
      if (!parsed.ok) throw new Error(`${String(raw.type)} refused: ${JSON.stringify(parsed.error)}`);
      const { command } = parsed;
      const streamId = command.type === 'RecordActivity' ? `activity-${command.activityId}` : `project-${command.projectId}`;
      const stream = states.get(streamId) ?? { version: 0, project: null };
      const decision = command.type === 'RecordActivity' ? decideActivity(command, null) : decide(command, stream.project);
      if (!decision.ok) throw new Error(`${command.type} refused: ${JSON.stringify(decision.error)}`);
      const events = decision.events.map((e) => ({ type: e.type, occurredAt: e.occurredAt, data: e.data, actor, schemaVersion: 1 }));
      await store.append([{ streamId, expectedVersion: stream.version, events }]);
      for (const event of decision.events) if (event.type !== 'ActivityHeld') stream.project = evolve(stream.project, event);
      states.set(streamId, { version: stream.version + events.length, project: stream.project });
    }
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await applyEvents(client, LIVE_SCHEMA, await store.readAll(0, 1_000_000), reference);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return new ProjectionSpec(db);
  }

  /** The city KPIs of a period, by code. */
  async cityKpis(period: Parameters<KpiQueries['city']>[0]['period']): Promise<Record<string, KpiResult>> {
    const results = await new KpiQueries(this.db.pool, reference).city({ period, asOf: null, now: new Date() });
    return Object.fromEntries(results.map((r) => [r.code, r]));
  }
}
