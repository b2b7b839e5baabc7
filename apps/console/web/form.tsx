import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiFailure } from './api';
import { failureMessage, fieldErrors } from './messages';

export interface Option {
  readonly code: string;
  readonly name: string;
}

let nextId = 0;
const useId = (): string => useState(() => `f${++nextId}`)[0];

/** The mark of a required field, beside its label (outside it, so the label keeps its exact words). */
const RequiredMark = () => (
  <span class="required" aria-hidden="true" title="必填">
    *
  </span>
);

/** A labelled field with its error beside it (role="alert"), found by its label's exact words; `required` marks it (*). */
export function Field(props: {
  label: string;
  error?: string;
  required?: boolean;
  children: (id: string, describedBy?: string) => ComponentChildren;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <div class="label-row">
        <label for={id}>{props.label}</label>
        {props.required && <RequiredMark />}
      </div>
      {props.children(id, props.error ? errorId : undefined)}
      {props.error && (
        <div id={errorId} class="error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  error?: string;
  type?: string;
  autocomplete?: string;
  multiline?: boolean;
  required?: boolean;
}) {
  return (
    <Field label={props.label} error={props.error} required={props.required}>
      {(id, describedBy) =>
        props.multiline ? (
          <textarea
            id={id}
            aria-required={props.required ? 'true' : undefined}
            aria-describedby={describedBy}
            aria-invalid={props.error ? 'true' : undefined}
            value={props.value}
            onInput={(e) => props.onInput(e.currentTarget.value)}
          />
        ) : (
          <input
            id={id}
            type={props.type ?? 'text'}
            autocomplete={props.autocomplete}
            aria-required={props.required ? 'true' : undefined}
            aria-describedby={describedBy}
            aria-invalid={props.error ? 'true' : undefined}
            value={props.value}
            onInput={(e) => props.onInput(e.currentTarget.value)}
          />
        )
      }
    </Field>
  );
}

export function SelectField(props: {
  label: string;
  value: string;
  options: readonly Option[];
  onChange: (v: string) => void;
  error?: string;
  placeholder?: string;
  required?: boolean;
}) {
  return (
    <Field label={props.label} error={props.error} required={props.required}>
      {(id, describedBy) => (
        <select
          id={id}
          aria-required={props.required ? 'true' : undefined}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          <option value="">{props.placeholder ?? '请选择'}</option>
          {props.options.map((o) => (
            <option key={o.code} value={o.code}>
              {o.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A set of check boxes under one label (招商方式). */
export function CheckboxesField(props: {
  label: string;
  value: readonly string[];
  options: readonly Option[];
  onChange: (v: string[]) => void;
  error?: string;
  required?: boolean;
}) {
  const errorId = useId();
  return (
    <fieldset class={`field${props.error ? ' invalid' : ''}`} aria-describedby={props.error ? errorId : undefined}>
      <legend>
        {props.label}
        {props.required && <RequiredMark />}
      </legend>
      <div class="checks">
        {props.options.map((o) => (
          <label key={o.code} class="check">
            <input
              type="checkbox"
              checked={props.value.includes(o.code)}
              onChange={(e) => props.onChange(e.currentTarget.checked ? [...props.value, o.code] : props.value.filter((c) => c !== o.code))}
            />
            {o.name}
          </label>
        ))}
      </div>
      {props.error && (
        <div id={errorId} class="error" role="alert">
          {props.error}
        </div>
      )}
    </fieldset>
  );
}

export function CheckboxField(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <div class="field">
      <label class="check">
        <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.currentTarget.checked)} />
        {props.label}
      </label>
    </div>
  );
}

/** What a form shows after a refusal: a message on top and each field's error. */
export interface FormFailure {
  readonly message: string;
  readonly fields: Record<string, string>;
}

/** The error of a list field or of any of its items (`channels`, `channels.1`): shown once, beside the list. */
export function listError(failure: FormFailure | null, field: string): string | undefined {
  return Object.entries(failure?.fields ?? {}).find(([f]) => f === field || f.startsWith(`${field}.`))?.[1];
}

export function toFormFailure(error: unknown): FormFailure {
  if (error instanceof ApiFailure) return { message: failureMessage(error), fields: fieldErrors(error.details) };
  return { message: '网络错误，请稍后再试', fields: {} };
}

/** `datetime-local` text (Asia/Shanghai wall time) as ISO-8601 with the +08:00 offset the API needs. */
export function shanghaiTime(local: string): string {
  if (!local) return '';
  return `${local.length === 16 ? `${local}:00` : local}+08:00`;
}

/** Now as `datetime-local` text in Asia/Shanghai. */
export function nowInShanghai(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** An instant shown in Asia/Shanghai. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export const formatWan = (wan: number | null | undefined): string =>
  wan === null || wan === undefined ? '—' : `${wan.toLocaleString('zh-CN')} 万元`;
