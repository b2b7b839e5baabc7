import { SetMetadata, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ApiKeys, Principal } from '../auth/api-keys';
import type { Role } from '../auth/roles';
import type { RateLimiter } from '../auth/rate-limiter';
import { ApiError } from './api-error';

const ROLES_KEY = 'roles';

/** The roles allowed on a route (or a whole controller). A route without it needs no key. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The roles a route (or its controller) allows; undefined: the route needs no credentials. */
export function requiredRoles(reflector: Reflector, context: ExecutionContext): Role[] | undefined {
  return reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; position?: number };

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal on a route without @Roles');
  return principal;
});

/**
 * Bearer key → principal (401), role allowed on the route (403), per-key rate limit (429).
 * Failed credentials are counted per client address: past the limit, that address gets 429
 * before its key is even looked up, so guessing keys costs the database nothing.
 */
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
    private readonly limiter: RateLimiter,
    private readonly failedAuth: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = requiredRoles(this.reflector, context);
    if (!roles) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const address = request.ip;
    const blockedFor = this.failedAuth.waitFor(address);
    if (blockedFor > 0) throw rateLimited(blockedFor, 'too many requests with failed credentials from this address');
    const match = /^Bearer\s+(\S{1,512})$/i.exec(request.headers.authorization ?? '');
    const principal = match ? await this.keys.authenticate(match[1]) : null;
    if (!principal) {
      this.failedAuth.take(address);
      throw ApiError.of(401, 'unauthorized', match ? 'unknown or revoked API key' : 'missing Authorization: Bearer <key>');
    }
    request.principal = principal;
    if (!roles.includes(principal.role)) {
      throw ApiError.of(403, 'forbidden', `a ${principal.role} key may not do this (needs ${roles.join(' or ')})`);
    }
    const retryAfter = this.limiter.take(principal.id);
    if (retryAfter > 0) throw rateLimited(retryAfter, 'rate limit reached');
    return true;
  }
}

function rateLimited(seconds: number, reason: string): ApiError {
  const error = ApiError.of(429, 'rate_limited', `${reason}; retry in ${seconds} s`);
  return new ApiError(error.answer, { 'retry-after': String(seconds) });
}
