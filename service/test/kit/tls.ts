import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A CA, a server certificate it signed for 127.0.0.1, and a second CA that signed nothing here. */
export interface TlsFiles {
  readonly dir: string;
  readonly caFile: string;
  /** The CA certificate's PEM text. */
  readonly ca: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A CA bundle that does not include the server's CA: connections must fail to verify with it. */
  readonly otherCaFile: string;
  remove(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (error) {
    throw new Error(`openssl ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr ?? ''}`, {
      cause: error,
    });
  }
}

const selfSignedCa = (dir: string, name: string) =>
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  ]);

/** Makes the files with openssl in a temp folder (about a second). */
export async function createTlsFiles(): Promise<TlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'dealership-tls-'));
  await Promise.all([selfSignedCa(dir, 'test-ca'), selfSignedCa(dir, 'other-ca')]);
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  // Clients check the name they dialled against the certificate's subjectAltName.
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'test-ca.pem',
    '-CAkey',
    'test-ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  return {
    dir,
    caFile: join(dir, 'test-ca.pem'),
    ca: await readFile(join(dir, 'test-ca.pem'), 'utf8'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other-ca.pem'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
