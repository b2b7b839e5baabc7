import { activityCommand, reference } from '../../../../test/support/fixtures';
import { deciderSpec } from '../../../../test/support/decider-spec';
import { decideActivity, evolveActivity, parseActivityCommand, type ActivityHeld, type ActivityState } from './activity';

const ctx = { ref: reference, now: new Date('2025-12-31T00:00:00Z') };
const record = activityCommand;

/** Parse, then decide, as the write side does. */
function decideRaw(raw: Record<string, unknown>, state: ActivityState) {
  const parsed = parseActivityCommand(raw, ctx);
  return parsed.ok ? decideActivity(parsed.command, state) : parsed;
}

const spec = deciderSpec<ActivityState, ActivityHeld>({ initialState: null, decide: decideRaw, evolve: evolveActivity });

describe('activity decider', () => {
  it('records an activity once', () => {
    const held = spec
      .given()
      .when(record())
      .then([
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
      ]);
    spec.given(held).when(record()).thenRefuses({ kind: 'already_exists' });
  });

  it('names every bad field', () => {
    const error = spec
      .given()
      .when(record({ kind: 'party', region: 'mars', unit: 'x', title: '', extra: 1 }))
      .thenRefuses({ kind: 'invalid_input' });
    const fields = error.kind === 'invalid_input' ? error.details.map((d) => d.field).sort() : [];
    expect(fields).toEqual(['extra', 'kind', 'region', 'title', 'unit']);
  });
});
