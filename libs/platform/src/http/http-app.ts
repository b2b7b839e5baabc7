import { createServer, type RequestListener } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { withCodeLists, type CodeLists } from '@app/domain';
import { Counter, Histogram, collectDefaultMetrics, register } from 'prom-client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { AuthenticatedRequest } from './auth.guard';
import { ApiError, errorAnswer } from './api-error';
import { ERROR_BODY_SCHEMA } from './api-docs';
import { HttpErrorFilter, toAnswer } from './exception.filter';
import { jsonBodyIssues } from './json-body';

export interface HttpAppOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly title: string;
  readonly description: string;
  /** Dependencies' state for GET /health; throws when one is down. */
  readonly health: () => Promise<Record<string, unknown>>;
  /** Serve the OpenAPI document at /docs (not for the background services' status port). */
  readonly docs?: boolean;
  /** The port the app listens on, for the document's `servers`. */
  readonly port?: number;
  /** More documents served as JSON under /docs (e.g. `asyncapi.json`). */
  readonly documents?: Readonly<Record<string, unknown>>;
  /** The codes of the reference data loaded (codeListsOf): every document lists them where a schema names a list. */
  readonly codeLists?: CodeLists;
}

const httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'] });
const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration',
  labelNames: ['method', 'route'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});
collectDefaultMetrics();

/**
 * A Nest application on Fastify with what every HTTP service here shares: body limit, JSON
 * bodies only (checked for depth and unstorable text before any handler sees them), time
 * limits for headers and bodies, the contract's error body for every error (also those Fastify
 * raises before a route runs), safe response headers, one JSON log line per request,
 * /health, /metrics, and the OpenAPI document at /docs.
 */
export async function createHttpApp(module: unknown, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const { config, logger } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    logger: false,
    // Slow clients may not hold connections: headers within HEADERS_TIMEOUT_MS, the whole
    // request within REQUEST_TIMEOUT_MS (408 past either), checked every second.
    serverFactory: (handler: RequestListener) =>
      createServer(
        { headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1_000 },
        handler,
      ),
    trustProxy: config.trustProxy,
    // A path the router cannot read (bad percent-encoding, an over-long id) gets the error body too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      const answer =
        status < 500
          ? errorAnswer(status, 'invalid_path', error.message, [{ field: 'path', message: error.message }])
          : toAnswer(error, logger).answer;
      void reply.status(answer.status).send(answer.body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, { logger: ['error', 'warn'], bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();

  // JSON is the only body the API takes: any other media type answers 415 (Fastify's own
  // text/plain parser and Nest's form parser would turn such a body into a command).
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    parseJson(request, text as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      const issues = jsonBodyIssues(value);
      if (issues.length > 0)
        return done(ApiError.of(400, 'invalid_input', `invalid body: ${issues.map((i) => i.field).join(', ')}`, issues), undefined);
      done(null, value);
    });
  });
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // No API answer may be cached; the pages of /docs and the console's files (which say how themselves) may.
    if (!request.url.startsWith('/docs') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  fastify.addHook('onResponse', async (request, reply) => {
    const req = request as AuthenticatedRequest;
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    httpRequests.inc({ method: request.method, route, status: reply.statusCode });
    httpDuration.observe({ method: request.method, route }, ms / 1000);
    if (route === '/metrics' || route === '/health') return;
    logger.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(ms * 10) / 10,
        key: req.principal?.id,
        position: req.position,
      },
      'request',
    );
  });
  fastify.get('/health', async (_request, reply) => {
    try {
      return { status: 'ok', ...(await options.health()) };
    } catch (error) {
      return reply.status(503).send({ status: 'unavailable', reason: (error as Error).message });
    }
  });
  fastify.get('/metrics', async (_request, reply) => reply.type(register.contentType).send(await register.metrics()));

  app.useGlobalFilters(new HttpErrorFilter(logger));
  if (options.docs === false) return app;
  const listed = <T>(document: T): T => (options.codeLists ? withCodeLists(document, options.codeLists) : document);
  for (const [name, document] of Object.entries(options.documents ?? {})) {
    const served = listed(document);
    fastify.get(`/docs/${name}`, async () => served);
  }
  const builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque API key', description: 'an API key (POST /v1/api-keys)' });
  if (options.port !== undefined) {
    const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
    builder.addServer(`http://${host}:${options.port}`, 'this deployment');
  }
  const document = listed(SwaggerModule.createDocument(app, builder.build()));
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ErrorBody: ERROR_BODY_SCHEMA } };
  // Request bodies are closed: a field their DTO does not declare is refused (400), so say so.
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (name.endsWith('Dto') && !('$ref' in schema)) schema.additionalProperties = false;
  }
  document.info.license = { name: 'Proprietary: the investment-promotion office that runs it' };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/** Listens and logs where, with the port actually taken (PORT=0 asks for any free one). */
export async function listen(app: NestFastifyApplication, name: string, port: number, config: Config, logger: Logger): Promise<string> {
  await app.listen({ port, host: config.host });
  const url = `http://${config.host}:${(app.getHttpServer().address() as { port: number }).port}`;
  logger.info({ url, health: '/health', metrics: '/metrics' }, `${name} listening`);
  return url;
}
