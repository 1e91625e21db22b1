import type { Role } from '../db/models.js';

/** Any signed-in member of staff. */
export const STAFF: readonly Role[] = ['admin', 'sales', 'service'];
export const SELLERS: readonly Role[] = ['admin', 'sales'];
export const WORKSHOP: readonly Role[] = ['admin', 'service'];
export const ADMIN: readonly Role[] = ['admin'];
