import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createHttpApp } from './http-app';

@Module({})
class StatusModule {}

/**
 * The HTTP face of a background service (relay, projector): GET /health and GET /metrics on
 * its own port, from the same application shell as the APIs.
 */
export async function startStatusServer(options: {
  readonly config: Config;
  readonly logger: Logger;
  readonly title: string;
  readonly port: number;
  readonly health: () => Promise<Record<string, unknown>>;
}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(StatusModule, { ...options, description: 'health and metrics', docs: false });
  await app.listen({ port: options.port, host: options.config.host });
  const { port } = app.getHttpServer().address() as { port: number }; // the one taken, when 0 asked for any
  options.logger.info({ url: `http://${options.config.host}:${port}`, health: '/health', metrics: '/metrics' }, `${options.title} status`);
  return app;
}
