import { type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { People, SessionView } from '@app/people';
import { ApiError, requiredRoles, type AuthenticatedRequest } from '@app/platform';

/** The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const SESSION_COOKIE = 'ipsession';
/** Every state-changing request carries the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A console request past the guard: the person as its principal, and the session it came with. */
export type ConsoleRequest = AuthenticatedRequest & { session?: SessionView };

export function sessionTokenOf(request: { headers: { cookie?: string } }): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || null;
  }
  return null;
}

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The console's counterpart of the API-key guard: the session cookie → the person as a
 * principal (401 without a live session), the route's roles (403), and on every
 * state-changing request the session's CSRF token in `X-CSRF-Token` (403 without it):
 * another site can make a browser send the cookie, never read the token.
 */
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly people: People,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = requiredRoles(this.reflector, context);
    if (!roles) return true;
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const token = sessionTokenOf(request);
    const session = token ? await this.people.session(token) : null;
    if (!session) throw ApiError.of(401, 'unauthorized', '未登录或登录已过期');
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameToken(sent, session.csrfToken)) throw ApiError.of(403, 'forbidden', '缺少或错误的 CSRF 令牌');
    }
    const { person } = session;
    request.session = session;
    request.principal = { id: person.id, name: person.displayName, role: person.role, units: person.units, partnerId: null, kind: 'user' };
    if (!roles.includes(person.role)) throw ApiError.of(403, 'forbidden', '没有权限');
    return true;
  }
}
