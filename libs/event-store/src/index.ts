export * from './envelope';
export * from './postgres-event-store';
export * from './checkpoints';
export * from './lease';
