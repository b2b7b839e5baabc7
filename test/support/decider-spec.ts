import type { DomainError } from '@app/domain';

type RawCommand = Record<string, unknown>;
type Decision<E> = { readonly ok: true; readonly events: readonly E[] } | { readonly ok: false; readonly error: DomainError };

/** A decider as its specs drive it: a raw command (parsed first, as the write side does) against a state. */
export interface SpecDecider<S, E> {
  readonly initialState: S;
  decide(command: RawCommand, state: S): Decision<E>;
  evolve(state: S, event: E): S;
}

/**
 * Given/when/then for deciders: `spec.given(events).when(command).then(events)` or
 * `.thenRefuses(error)`; `spec.eventsOf(commands)` gives a history as the commands would have
 * written it (each must be accepted).
 */
export function deciderSpec<S, E>(decider: SpecDecider<S, E>) {
  const stateAfter = (events: readonly E[]) => events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
  return {
    eventsOf(...commands: RawCommand[]): E[] {
      const events: E[] = [];
      for (const command of commands) {
        const decision = decider.decide(command, stateAfter(events));
        if (!decision.ok) throw new Error(`given ${String(command.type)} was refused: ${decision.error.message}`);
        events.push(...decision.events);
      }
      return events;
    },
    given(history: readonly E[] = []) {
      const state = stateAfter(history);
      return {
        state,
        when(command: RawCommand) {
          const decision = decider.decide(command, state);
          return {
            /** The events, each matching its expected part, in order and no more. */
            then(expected: ReadonlyArray<Partial<E> | E>): readonly E[] {
              if (!decision.ok) throw new Error(`${String(command.type)} was refused: ${JSON.stringify(decision.error)}`);
              expect(decision.events).toHaveLength(expected.length);
              expected.forEach((event, i) => expect(decision.events[i]).toMatchObject(event as object));
              return decision.events;
            },
            thenRefuses(expected: { readonly kind?: DomainError['kind']; readonly [field: string]: unknown } = {}): DomainError {
              if (decision.ok) throw new Error(`${String(command.type)} was accepted: ${JSON.stringify(decision.events)}`);
              expect(decision.error).toMatchObject(expected);
              return decision.error;
            },
          };
        },
      };
    },
  };
}
