import { reference } from '../../../../test/support/fixtures';
import { decideActivity, evolveActivity, parseActivityCommand, type ActivityState } from './activity';

const ctx = { ref: reference, now: new Date('2025-12-31T00:00:00Z') };
const record = (overrides: Record<string, unknown> = {}) => ({
  type: 'RecordActivity',
  activityId: '5d1c3f0e-8a7b-4c4d-9e2f-1a2b3c4d5e6f',
  kind: 'outbound',
  title: '赴深圳产业链招商推介会',
  region: 'gba',
  unit: 'zz-hitech',
  occurredAt: '2025-05-20T14:00:00+08:00',
  ...overrides,
});

/** Parse, then decide, as the write side does. */
function decideRaw(raw: Record<string, unknown>, state: ActivityState) {
  const parsed = parseActivityCommand(raw, ctx);
  return parsed.ok ? decideActivity(parsed.command, state) : parsed;
}

describe('activity decider', () => {
  it('records an activity once', () => {
    const decision = decideRaw(record(), null);
    expect(decision).toEqual({
      ok: true,
      events: [
        {
          type: 'ActivityHeld',
          occurredAt: '2025-05-20T06:00:00.000Z',
          data: {
            activityId: '5d1c3f0e-8a7b-4c4d-9e2f-1a2b3c4d5e6f',
            kind: 'outbound',
            title: '赴深圳产业链招商推介会',
            region: 'gba',
            unit: 'zz-hitech',
          },
        },
      ],
    });
    if (!decision.ok) throw new Error('refused');
    const state = evolveActivity(null, decision.events[0]);
    expect(decideRaw(record(), state)).toMatchObject({ ok: false, error: { kind: 'already_exists' } });
  });

  it('names every bad field', () => {
    const decision = decideRaw(record({ kind: 'party', region: 'mars', unit: 'x', title: '', extra: 1 }), null);
    expect(decision.ok).toBe(false);
    const fields = !decision.ok && decision.error.kind === 'invalid_input' ? decision.error.details.map((d) => d.field).sort() : [];
    expect(fields).toEqual(['extra', 'kind', 'region', 'title', 'unit']);
  });
});
