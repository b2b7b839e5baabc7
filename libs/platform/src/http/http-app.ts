import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Counter, Histogram, collectDefaultMetrics, register } from 'prom-client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { AuthenticatedRequest } from './auth.guard';
import { HttpErrorFilter } from './exception.filter';

export interface HttpAppOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly title: string;
  readonly description: string;
  /** Dependencies' state for GET /health; throws when one is down. */
  readonly health: () => Promise<Record<string, unknown>>;
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
 * A Nest application on Fastify with what every HTTP service here shares: body limit,
 * the SPEC error body for every error (also those Fastify raises before a route runs),
 * one JSON log line per request, /health, /metrics, and the OpenAPI document at /docs.
 */
export async function createHttpApp(module: unknown, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const { config, logger } = options;
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, { logger: ['error', 'warn'] });
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onResponse', async (request, reply) => {
    const req = request as AuthenticatedRequest;
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    httpRequests.inc({ method: request.method, route, status: reply.statusCode });
    httpDuration.observe({ method: request.method, route }, ms / 1000);
    if (route === '/metrics' || route === '/health') return;
    logger.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(ms * 10) / 10, key: req.principal?.id, position: req.position },
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
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
