import type { Option } from './form';

export interface SessionPerson {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: 'admin' | 'writer' | 'reader';
  readonly units: readonly string[] | null;
}

/** GET /v1/reference: every pick-list, with Chinese names. */
export interface Reference {
  readonly units: ReadonlyArray<Option & { kind: string }>;
  readonly chains: readonly Option[];
  readonly funds: ReadonlyArray<Option & { level: string }>;
  readonly channels: readonly Option[];
  readonly regions: readonly Option[];
  readonly sectors: readonly Option[];
  readonly planYear: number;
  readonly planName: string;
  readonly cityName: string;
}

/** The units a person may pick: a writer limited to units sees only those. */
export function unitsFor(person: SessionPerson, reference: Reference): readonly Option[] {
  return person.units === null ? reference.units : reference.units.filter((u) => person.units!.includes(u.code));
}

export const nameIn = (options: readonly Option[], code: string | null | undefined): string =>
  options.find((o) => o.code === code)?.name ?? code ?? '—';
