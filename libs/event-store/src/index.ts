export * from './envelope';
export * from './event-store';
export * from './postgres-event-store';
export * from './checkpoints';
export * from './lease';
