export * from './password';
export * from './entities';
export * from './people';
export * from './migrations/1700000000007-people-and-sessions';
export * from './migrations/1700000000015-login-limits';
