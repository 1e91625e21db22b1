import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * One row the service rewrites on the primary every second with the time it wrote it; on a replica, the
 * age of that row is how far behind the primary the replica is (db/replica-lag.ts). The method is
 * pt-heartbeat's, and unlike SHOW REPLICA STATUS it needs no privilege beyond the app user's DML and
 * counts stopped replication as lag.
 */
export async function up({ context: queryInterface }: { context: QueryInterface }): Promise<void> {
  await queryInterface.createTable('replication_heartbeat', {
    id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    beat_ms: { type: DataTypes.BIGINT, allowNull: false },
  });
  await queryInterface.bulkInsert('replication_heartbeat', [{ id: 1, beat_ms: 0 }]);
}

export async function down({ context: queryInterface }: { context: QueryInterface }): Promise<void> {
  await queryInterface.dropTable('replication_heartbeat');
}
