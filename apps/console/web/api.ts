/** The console's own API (same origin): JSON both ways (uploads as forms), the session cookie, and the CSRF token on every change. */

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldError[],
  ) {
    super(message);
  }
}

let csrfToken = '';
/** The position of this page's last write: reads of the projections wait for it (read your own writes). */
let lastPosition = 0;
export const setCsrfToken = (token: string): void => {
  csrfToken = token;
};

export async function api<T = unknown>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  if (
    method === 'GET' &&
    lastPosition > 0 &&
    !path.includes('minPosition=') &&
    /^\/v1\/(projects|activities|kpis|funnel|breakdown)/.test(path) &&
    !path.includes('/history')
  ) {
    path += `${path.includes('?') ? '&' : '?'}minPosition=${lastPosition}`;
  }
  const headers: Record<string, string> = {};
  // A form (an upload) goes as multipart/form-data, its boundary set by the browser.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiFailure(response.status, error.code ?? 'error', error.message ?? response.statusText, error.details ?? []);
  }
  if (typeof json?.position === 'number' && method !== 'GET') lastPosition = Math.max(lastPosition, json.position);
  return json as T;
}
