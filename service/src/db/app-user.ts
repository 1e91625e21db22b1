import type { Sequelize } from 'sequelize';

/** What the service's own user may do: rows only. Tables, indexes and users are the migration user's. */
export const APP_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export type AppUserGrant =
  | { user: string; auth: 'iam' }
  | { user: string; auth: 'password'; password: string };

/**
 * Creates the service's database user when it is missing, sets how it signs in, and grants it DML on
 * the connection's database. Safe to run again: CREATE USER IF NOT EXISTS, then ALTER USER (which also
 * rotates a password), and GRANT adds nothing twice.
 *
 * `iam` uses RDS's AWSAuthenticationPlugin, which exists only on RDS for MySQL and MariaDB (elsewhere the
 * server answers ER_PLUGIN_IS_NOT_LOADED); RDS accepts its tokens only over TLS, hence REQUIRE SSL. Source:
 * the RDS User Guide, "Creating a database account using IAM authentication". `requireTls` adds
 * REQUIRE SSL for a password user too (when the service itself connects with DATABASE_CA_FILE).
 */
export async function grantAppUser(
  sequelize: Sequelize,
  grant: AppUserGrant,
  requireTls: boolean,
): Promise<{ user: string; auth: string; database: string; privileges: readonly string[] }> {
  const database = sequelize.getDatabaseName();
  const account = `${sequelize.escape(grant.user)}@'%'`;
  const identified =
    grant.auth === 'iam'
      ? "IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'"
      : `IDENTIFIED BY ${sequelize.escape(grant.password)}`;
  await sequelize.query(`CREATE USER IF NOT EXISTS ${account} ${identified}`);
  await sequelize.query(
    `ALTER USER ${account} ${identified}${grant.auth === 'iam' || requireTls ? ' REQUIRE SSL' : ''}`,
  );
  await sequelize.query(
    `GRANT ${APP_PRIVILEGES.join(', ')} ON ${sequelize.getQueryInterface().quoteIdentifier(database)}.* TO ${account}`,
  );
  return { user: grant.user, auth: grant.auth, database, privileges: APP_PRIVILEGES };
}
