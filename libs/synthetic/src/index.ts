export * from './synthetic-year';
