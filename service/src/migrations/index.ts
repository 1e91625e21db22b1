import * as initialSchema from './0001-initial-schema.js';

/** Every migration, in order. A name, once applied somewhere, never changes. */
export const migrations = [{ name: '0001-initial-schema', ...initialSchema }];
