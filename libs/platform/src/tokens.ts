/** Injection tokens of the shared providers that are not classes. */
export const PG_POOL = Symbol('PG_POOL');
export const REFERENCE_DATA = Symbol('REFERENCE_DATA');
export const CONFIG = Symbol('CONFIG');
