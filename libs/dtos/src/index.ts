export * from './command-dtos';
