import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { People, SessionView } from '@app/people';
import { ApiError, Roles, type AuthenticatedRequest, type Role } from '@app/platform';
import { CSRF_HEADER, SESSION_COOKIE, SessionGuard, sessionTokenOf } from './session.guard';

const person = {
  id: 'p-1',
  username: 'li.na',
  displayName: '李娜',
  role: 'writer' as const,
  units: ['zz-airport'],
  disabled: false,
  createdAt: '',
};

/** A session store that knows one token; the guard is what is under test here. */
const people = {
  async session(token: string): Promise<SessionView | null> {
    return token === 'good-token' ? { person, csrfToken: 'csrf-123' } : null;
  },
} as unknown as People;

function context(request: Partial<AuthenticatedRequest>, roles: string[] | undefined): ExecutionContext {
  const handler = () => undefined;
  if (roles) Roles(...(roles as Role[]))(handler);
  return {
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

async function statusOf(run: Promise<boolean>): Promise<number> {
  try {
    await run;
    return 200;
  } catch (error) {
    return (error as ApiError).answer.status;
  }
}

describe('the session guard', () => {
  const guard = new SessionGuard(new Reflector(), people);
  const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as AuthenticatedRequest;

  it('reads the session token from the cookie among others, and nothing else', () => {
    expect(sessionTokenOf({ headers: { cookie: `theme=dark; ${SESSION_COOKIE}=good-token; lang=zh` } })).toBe('good-token');
    expect(sessionTokenOf({ headers: { cookie: `x${SESSION_COOKIE}=good-token` } })).toBeNull();
    expect(sessionTokenOf({ headers: {} })).toBeNull();
    expect(sessionTokenOf({ headers: { cookie: `${SESSION_COOKIE}=` } })).toBeNull();
  });

  it('lets a route without roles through without a session (log-in, the pages)', async () => {
    expect(await statusOf(guard.canActivate(context(request('POST', {}), undefined)))).toBe(200);
  });

  it('401 without a live session', async () => {
    expect(await statusOf(guard.canActivate(context(request('GET', {}), ['writer'])))).toBe(401);
    expect(await statusOf(guard.canActivate(context(request('GET', { cookie: `${SESSION_COOKIE}=stale` }), ['writer'])))).toBe(401);
  });

  it('a read needs no CSRF token; the person becomes the principal, of kind user', async () => {
    const req = request('GET', { cookie: `${SESSION_COOKIE}=good-token` });
    expect(await statusOf(guard.canActivate(context(req, ['writer', 'reader'])))).toBe(200);
    expect(req.principal).toEqual({ id: 'p-1', name: '李娜', role: 'writer', units: ['zz-airport'], partnerId: null, kind: 'user' });
  });

  it('a change without the CSRF token, or with another, is refused (403); with the session’s own it passes', async () => {
    const cookie = `${SESSION_COOKIE}=good-token`;
    expect(await statusOf(guard.canActivate(context(request('POST', { cookie }), ['writer'])))).toBe(403);
    expect(await statusOf(guard.canActivate(context(request('DELETE', { cookie, [CSRF_HEADER]: 'csrf-12' }), ['writer'])))).toBe(403);
    expect(await statusOf(guard.canActivate(context(request('PUT', { cookie, [CSRF_HEADER]: 'csrf-1234' }), ['writer'])))).toBe(403);
    expect(await statusOf(guard.canActivate(context(request('POST', { cookie, [CSRF_HEADER]: 'csrf-123' }), ['writer'])))).toBe(200);
  });

  it('a role the route does not allow: 403', async () => {
    const req = request('GET', { cookie: `${SESSION_COOKIE}=good-token` });
    expect(await statusOf(guard.canActivate(context(req, ['admin'])))).toBe(403);
  });
});
