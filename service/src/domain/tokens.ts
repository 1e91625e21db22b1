import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Role } from '../db/models.js';
import { notFound } from './errors.js';

export { ROLES } from '../db/models.js';

/** Who is calling: a stored token, or the start-up admin token (tokenId undefined). */
export interface Principal {
  role: Role;
  name: string;
  tokenId?: number;
}

export interface IssuedToken {
  id: number;
  token: string;
  role: Role;
  name: string;
}

/** Tokens are 256 random bits, so a plain SHA-256 is a sound one-way hash for storing them. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export async function issueToken(db: Database, input: { role: Role; name: string }): Promise<IssuedToken> {
  const token = `dlr_${randomBytes(32).toString('base64url')}`;
  const row = await db.transaction((transaction, { Token }) =>
    Token.create(
      {
        name: input.name,
        role: input.role,
        tokenHash: hashToken(token),
        createdAt: new Date(),
        revokedAt: null,
      },
      { transaction },
    ),
  );
  return { id: row.get('id'), token, role: input.role, name: input.name };
}

/** Revokes at once: every later request with the token is answered 401. Revoking twice is harmless. */
export async function revokeToken(db: Database, id: number): Promise<void> {
  await db.transaction(async (transaction, { Token }) => {
    const row = await Token.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (row === null) throw notFound('token', id);
    if (row.get('revokedAt') === null) await row.update({ revokedAt: new Date() }, { transaction });
  });
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashToken(a), 'hex'), Buffer.from(hashToken(b), 'hex'));
}

/** Resolves a bearer value to a principal, or undefined. Always read from the primary: revocation is immediate. */
export async function authenticate(
  db: Database,
  bearer: string,
  adminToken: string | undefined,
): Promise<Principal | undefined> {
  if (adminToken !== undefined && sameSecret(bearer, adminToken))
    return { role: 'admin', name: 'admin (start-up token)' };
  const row = await db.readPrimary(({ Token }) =>
    Token.findOne({ where: { tokenHash: hashToken(bearer), revokedAt: null } }),
  );
  if (row === null) return undefined;
  return { role: row.get('role'), name: row.get('name'), tokenId: row.get('id') };
}
