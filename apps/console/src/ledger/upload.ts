import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '@app/platform';
import { UPLOAD_LIMITS, tooLarge } from '@app/ledger';

/** An upload to /v1/ledger…: the file's bytes and the rows asked for. */
export interface LedgerUpload {
  readonly file: Buffer;
  readonly fromRow?: number;
  readonly toRow?: number;
}

/** Room for the form's other fields and part headers beside the file. */
const FORM_OVERHEAD = 64 * 1024;
const LEDGER_ROUTES = /^\/v1\/ledger(\/preview)?$/;

const tooLargeError = () => {
  const message = tooLarge('fileBytes', UPLOAD_LIMITS).message;
  return ApiError.of(413, 'payload_too_large', message, [{ field: 'file', message }]);
};

/**
 * The console's uploads (contract §6): `multipart/form-data`, on the ledger's routes only (every
 * other route takes JSON alone and answers 415), read up to the file cap and no further — a longer
 * body is refused with 413 without being held in memory.
 */
export function acceptLedgerUploads(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('multipart/form-data', (request: FastifyRequest, payload: NodeJS.ReadableStream, done) => {
    if (!LEDGER_ROUTES.test(request.routeOptions.url ?? '')) {
      return done(
        ApiError.of(415, 'unsupported_media_type', 'only the ledger upload takes multipart/form-data', [
          { field: 'content-type', message: 'must be application/json' },
        ]),
        undefined,
      );
    }
    const limit = UPLOAD_LIMITS.fileBytes + FORM_OVERHEAD;
    if (Number(request.headers['content-length'] ?? 0) > limit) return done(tooLargeError(), undefined);
    const chunks: Buffer[] = [];
    let length = 0;
    let finished = false;
    const finish = (error: Error | null, body?: unknown) => {
      if (finished) return;
      finished = true;
      payload.removeAllListeners('data');
      done(error, body);
    };
    payload.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) return finish(tooLargeError());
      chunks.push(chunk);
    });
    payload.on('error', (error: Error) => finish(error));
    payload.on('end', () => {
      if (finished) return;
      try {
        finish(null, uploadOf(formParts(Buffer.concat(chunks), String(request.headers['content-type']))));
      } catch (error) {
        finish(error as Error);
      }
    });
  });
}

/**
 * The parts of a multipart/form-data body by name (RFC 7578), found with Buffer.indexOf: a few
 * milliseconds for a 6 MB file, where a general parser holds the event loop for much longer.
 */
function formParts(body: Buffer, contentType: string): Map<string, Buffer> {
  const unreadable = () =>
    ApiError.of(400, 'invalid_input', 'the multipart body cannot be read', [{ field: 'body', message: 'not multipart/form-data' }]);
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw unreadable();
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts = new Map<string, Buffer>();
  let at = body.indexOf(delimiter);
  if (at < 0) throw unreadable();
  for (;;) {
    at += delimiter.length;
    if (body[at] === 45 && body[at + 1] === 45) return parts; // "--": the closing delimiter
    const headersEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd);
    if (headersEnd < 0 || next < 0) throw unreadable();
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(body.toString('utf8', at, headersEnd))?.[1];
    if (name === undefined) throw unreadable();
    if (parts.has(name)) throw invalid(name, `${name} is given twice`);
    parts.set(name, body.subarray(headersEnd + 4, next));
    at = next + 2;
  }
}

const invalid = (field: string, message: string) => ApiError.of(400, 'invalid_input', message, [{ field, message }]);

function uploadOf(parts: Map<string, Buffer>): LedgerUpload {
  const file = parts.get('file');
  if (file === undefined || file.length === 0) throw invalid('file', '请选择台账文件（.xlsx）');
  if (file.length > UPLOAD_LIMITS.fileBytes) throw tooLargeError();
  const row = (name: 'fromRow' | 'toRow') => {
    const value = parts.get(name)?.toString('utf8');
    if (value === undefined || value === '') return {};
    if (!/^\d{1,7}$/.test(value) || Number(value) < 2) throw invalid(name, `${name} must be an integer ≥ 2`);
    return { [name]: Number(value) };
  };
  for (const name of parts.keys()) if (!['file', 'fromRow', 'toRow'].includes(name)) throw invalid(name, `${name} is not a known field`);
  return { file, ...row('fromRow'), ...row('toRow') };
}
