export * from './command-dtos';
export * from './answer-schemas';
