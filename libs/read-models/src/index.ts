export * from './schema';
export * from './projection';
export * from './kpis';
export * from './watermark';
export * from './reports';
export * from './csv';
export * from './bi-views';
export * from './rebuild';
