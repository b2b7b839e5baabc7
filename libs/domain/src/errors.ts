/** One bad input field: `field` is a dotted path into the request body (`investor.creditCode`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** Refusals the deciders return. The HTTP edge maps `kind` to a status (contract §4). */
export type DomainError =
  | { readonly kind: 'invalid_input'; readonly message: string; readonly details: readonly FieldIssue[] }
  | { readonly kind: 'not_found'; readonly message: string }
  | { readonly kind: 'already_exists'; readonly message: string }
  | { readonly kind: 'rule_violation'; readonly code: RuleCode; readonly message: string };

export type RuleCode =
  | 'project_dropped'
  | 'already_signed'
  | 'not_signed'
  | 'already_started'
  | 'drop_after_signing'
  | 'stage_not_reached'
  | 'stage_dates_out_of_order'
  | 'period_not_ended';

export type Decision<E> = { readonly ok: true; readonly events: readonly E[] } | { readonly ok: false; readonly error: DomainError };

/** A command parsed from raw input, or why it could not be (every bad field). */
export type Parsed<C> = { readonly ok: true; readonly command: C } | { readonly ok: false; readonly error: DomainError };

/**
 * Raw input whose field checks found nothing wrong is the command it claims to be: a type
 * guard instead of a cast, so the narrowing happens once, where the checks are.
 */
export const isValid = <C>(_raw: unknown, issues: readonly FieldIssue[]): _raw is C => issues.length === 0;

export const accept = <E>(...events: E[]): Decision<E> => ({ ok: true, events });
export const refuse = <E>(error: DomainError): Decision<E> => ({ ok: false, error });

export const invalidInput = (details: readonly FieldIssue[]): DomainError => ({
  kind: 'invalid_input',
  message: `invalid input: ${details.map((d) => d.field).join(', ')}`,
  details,
});

export const ruleViolation = (code: RuleCode, message: string): DomainError => ({ kind: 'rule_violation', code, message });
