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
  | 'stage_dates_out_of_order';

export type Decision<E> = { readonly ok: true; readonly events: readonly E[] } | { readonly ok: false; readonly error: DomainError };

export const accept = <E>(...events: E[]): Decision<E> => ({ ok: true, events });
export const refuse = <E>(error: DomainError): Decision<E> => ({ ok: false, error });

export const invalidInput = (details: readonly FieldIssue[]): DomainError => ({
  kind: 'invalid_input',
  message: `invalid input: ${details.map((d) => d.field).join(', ')}`,
  details,
});

export const ruleViolation = (code: RuleCode, message: string): DomainError => ({ kind: 'rule_violation', code, message });
