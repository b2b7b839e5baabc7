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
      new Response(Buffer.concat(chunks), { headers: { 'content-type': String(request.headers['content-type']) } })
        .formData()
        .then(async (form) => finish(null, await uploadOf(form)))
        .catch((error: unknown) =>
          finish(
            error instanceof ApiError
              ? error
              : ApiError.of(400, 'invalid_input', 'the multipart body cannot be read', [
                  { field: 'body', message: 'not multipart/form-data' },
                ]),
          ),
        );
    });
  });
}

const invalid = (field: string, message: string) => ApiError.of(400, 'invalid_input', message, [{ field, message }]);

async function uploadOf(form: FormData): Promise<LedgerUpload> {
  const file = form.get('file');
  if (file === null || typeof file === 'string') throw invalid('file', '请选择台账文件（.xlsx）');
  if (file.size > UPLOAD_LIMITS.fileBytes) throw tooLargeError();
  const row = (name: 'fromRow' | 'toRow') => {
    const value = form.get(name);
    if (value === null || value === '') return {};
    if (typeof value !== 'string' || !/^\d{1,7}$/.test(value) || Number(value) < 2) throw invalid(name, `${name} must be an integer ≥ 2`);
    return { [name]: Number(value) };
  };
  for (const name of form.keys()) if (!['file', 'fromRow', 'toRow'].includes(name)) throw invalid(name, `${name} is not a known field`);
  return { file: Buffer.from(await file.arrayBuffer()), ...row('fromRow'), ...row('toRow') };
}
