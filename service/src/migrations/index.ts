import * as initialSchema from './0001-initial-schema.js';
import * as replicationHeartbeat from './0002-replication-heartbeat.js';

/** Every migration, in order. A name, once applied somewhere, never changes. */
export const migrations = [
  { name: '0001-initial-schema', ...initialSchema },
  { name: '0002-replication-heartbeat', ...replicationHeartbeat },
];
