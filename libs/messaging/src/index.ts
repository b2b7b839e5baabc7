export * from './topics';
export * from './kafka';
export * from './partitioner';
export * from './limits';
export * from './asyncapi';
export * from './signing';
export * from './acls';
