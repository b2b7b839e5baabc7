export * from './load-reference-data';
