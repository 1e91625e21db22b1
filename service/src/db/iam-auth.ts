import type { Signer } from '@aws-sdk/rds-signer';
import type { AuthTokenSource, MysqlTarget } from './connect.js';

/**
 * RDS IAM database authentication: a token signed with the instance role's credentials (the SDK's
 * default chain) for the host, port and user of the URL, valid 15 minutes and needed only while a
 * connection is opened, so one is made for each new connection. RDS asks for it with the
 * mysql_clear_password plugin and only over TLS. Source: the RDS User Guide, "Connecting to your DB
 * instance using IAM authentication and the AWS SDK for JavaScript (Node.js)". The SDK is loaded on the
 * first connection, so a service or CLI without IAM authentication never pays for loading it.
 */
export function rdsIamTokens(region: string): AuthTokenSource {
  const signers = new Map<string, Promise<Signer>>();
  return async (target: MysqlTarget) => {
    const key = `${target.user}@${target.host}:${target.port}`;
    let signer = signers.get(key);
    if (signer === undefined) {
      signer = import('@aws-sdk/rds-signer').then(
        ({ Signer }) =>
          new Signer({ hostname: target.host, port: target.port, username: target.user, region }),
      );
      signers.set(key, signer);
    }
    return (await signer).getAuthToken();
  };
}
