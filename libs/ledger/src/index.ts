export * from './ledger';
export * from './sheet-parser';
export * from './table';
export * from './values';
export * from './xlsx';
