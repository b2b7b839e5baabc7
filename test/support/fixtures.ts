import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@app/event-store';
import { loadReferenceData } from '@app/reference-data';

/** The project's own reference data (reference/*.json), as the services load it. */
export const reference = loadReferenceData();

/** Real unified social credit codes whose check characters are right. */
export const VALID_CREDIT_CODES = ['91350100M000100Y43', '91110000600037341L'];

/** The body of a valid RegisterLead (POST /v1/projects), with overrides. */
export function leadBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    projectId: randomUUID(),
    name: '比亚迪郑州新能源汽车零部件项目',
    investor: { name: '比亚迪股份有限公司', creditCode: VALID_CREDIT_CODES[0], originRegion: 'gba', top500: true },
    industry: { chain: 'nev', sector: 'emerging' },
    industrial: true,
    channels: ['industry_chain', 'fund'],
    unit: 'zz-airport',
    plannedInvestmentWan: 1_200_000,
    occurredAt: '2025-01-10T09:00:00+08:00',
    ...overrides,
  };
}

/** A valid RecordActivity command (POST /v1/activities with its type), with overrides. */
export function activityCommand(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'RecordActivity',
    activityId: '5d1c3f0e-8a7b-4c4d-9e2f-1a2b3c4d5e6f',
    kind: 'outbound',
    title: '赴深圳产业链招商推介会',
    region: 'gba',
    unit: 'zz-hitech',
    occurredAt: '2025-05-20T14:00:00+08:00',
    ...overrides,
  };
}

const SYSTEM_ACTOR = { kind: 'system' as const, id: 'test' };

/** An event to append straight to the store: a visit whose data only numbers it (the store does not read data). */
export const numberedEvent = (n: number): NewEvent => ({
  type: 'VisitRecorded',
  occurredAt: '2025-01-01T00:00:00Z',
  data: { n },
  actor: SYSTEM_ACTOR,
  schemaVersion: 1,
});

/** A LeadRegistered event as the decider writes it, from the same lead as `leadBody`, to append straight to the store. */
export function leadEvent(projectId: string): NewEvent {
  const { occurredAt, ...data } = leadBody({ projectId });
  return { type: 'LeadRegistered', occurredAt: new Date(occurredAt as string).toISOString(), data, actor: SYSTEM_ACTOR, schemaVersion: 1 };
}

/** A SignProject batch item. */
export const signCommand = (projectId: string, signedAmountWan: number, occurredAt = '2025-03-10T10:00:00+08:00') => ({
  type: 'SignProject',
  projectId,
  signedAmountWan,
  occurredAt,
});

/** A CorrectProject batch item, made on 6 May 2025. */
export const correctCommand = (projectId: string, changes: Record<string, unknown>) => ({
  type: 'CorrectProject',
  projectId,
  changes,
  reason: '核实更正',
  occurredAt: '2025-05-06T10:00:00+08:00',
});

/** A pause long enough for the next write to get a later record time. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
