import { randomUUID } from 'node:crypto';
import type { Principal } from '@app/platform';
import { leadBody, reference } from '../../../test/support/fixtures';
import { decideBatch, type BatchInput } from './decide-batch';
import type { Remembered } from './idempotency-store';
import type { StreamState } from './stream-states';
import { parseWriteRequest, type WriteRequest } from './write-request';

const admin: Principal = { id: 'admin', name: 'admin', role: 'admin', units: null, partnerId: null };
const ctx = { ref: reference, now: new Date('2026-01-01T00:00:00Z'), headPosition: 0, fileComparator: () => null };
const lead = (projectId: string) => leadBody({ projectId });
const request = (type: string, body: Record<string, unknown>, options: { idempotencyKey?: string; ifMatch?: string } = {}) =>
  parseWriteRequest(type, body, options) as WriteRequest;
const fresh = (): StreamState => ({ version: 0, state: null, registeredBy: null });

/** Decides `requests` against fresh streams (or those given), as the handler does after loading them. */
function decideAll(requests: WriteRequest[], input: Partial<BatchInput> = {}) {
  const streams = input.streams ?? new Map(requests.map((r) => [r.streamId, fresh()]));
  return decideBatch({
    principal: admin,
    requests,
    streams,
    remembered: new Map<string, Remembered>(),
    ctx,
    maxEventBytes: 262_144,
    ...input,
  });
}

describe('decideBatch', () => {
  it('decides each command against the state the earlier ones left: register and sign in one batch', () => {
    const id = randomUUID();
    const batch = decideAll([
      request('RegisterLead', lead(id)),
      request('SignProject', { projectId: id, signedAmountWan: 500, occurredAt: '2025-02-01T09:00:00+08:00' }),
    ]);
    expect(batch.answers.map((a) => a.status)).toEqual([201, 201]);
    expect(batch.appends).toEqual([
      {
        streamId: `project-${id}`,
        expectedVersion: 0,
        events: [expect.objectContaining({ type: 'LeadRegistered' }), expect.objectContaining({ type: 'ProjectSigned' })],
      },
    ]);
    expect(batch.answers[1].body).toMatchObject({ projectId: id, version: 2 });
  });

  it('a refused command fails alone and appends nothing of its own', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const batch = decideAll([
      request('RegisterLead', lead(a)),
      request('SignProject', { projectId: b, signedAmountWan: 0, occurredAt: '2025-02-01T09:00:00+08:00' }),
    ]);
    expect(batch.answers.map((x) => x.status)).toEqual([201, 400]);
    expect(batch.appends.map((x) => x.streamId)).toEqual([`project-${a}`]);
  });

  it('a replayed idempotency key answers what it answered first; the same key with another body is 422', () => {
    const id = randomUUID();
    const first = request('RegisterLead', lead(id), { idempotencyKey: 'k1' });
    const prior = {
      fingerprint: first.fingerprint,
      answer: { status: 201, body: { projectId: id, version: 1, position: 7, eventId: 'e' } },
    };
    const remembered = new Map([['k1', prior]]);
    const replay = decideAll([first], { remembered });
    expect(replay.answers).toEqual([prior.answer]);
    expect(replay.appends).toEqual([]);
    const reused = decideAll([request('RegisterLead', lead(randomUUID()), { idempotencyKey: 'k1' })], { remembered });
    expect(reused.answers[0]).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
  });

  it('a new key is remembered with its answer, and a second use in the same batch replays it', () => {
    const id = randomUUID();
    const same = request('RegisterLead', lead(id), { idempotencyKey: 'k2' });
    const batch = decideAll([same, same]);
    expect(batch.answers[1]).toBe(batch.answers[0]);
    expect(batch.toRemember).toEqual([{ key: 'k2', fingerprint: same.fingerprint, answer: batch.answers[0] }]);
    batch.fillPositions([{ eventId: (batch.answers[0].body as { eventId: string }).eventId, position: 42 }]);
    expect(batch.answers[0].body).toMatchObject({ position: 42 });
  });

  it('If-Match at another version is 409; an event too large to publish is 413 naming the field', () => {
    const id = randomUUID();
    const streams = new Map([[`project-${id}`, fresh()]]);
    const registered = decideAll([request('RegisterLead', lead(id))], { streams });
    expect(registered.answers[0].status).toBe(201);
    const stale = decideAll(
      [request('RecordVisit', { projectId: id, direction: 'inbound', occurredAt: '2025-02-01T09:00:00+08:00' }, { ifMatch: '5' })],
      { streams },
    );
    expect(stale.answers[0]).toMatchObject({ status: 409, body: { error: { code: 'version_conflict' } } });
    const big = decideAll(
      [request('RecordVisit', { projectId: id, direction: 'inbound', occurredAt: '2025-02-01T09:00:00+08:00', note: '长'.repeat(1500) })],
      {
        streams,
        maxEventBytes: 2048,
      },
    );
    expect(big.answers[0]).toMatchObject({ status: 413, body: { error: { details: [{ field: 'note' }] } } });
    expect(big.appends).toEqual([]);
  });
});
