/**
 * The container command. CLOS reads its database only from DATABASE_URL, while RDS keeps generated
 * credentials as a JSON secret (host, port, username, password, dbname) that ECS can inject field by
 * field but cannot concatenate. So the task starts a shell that assembles DATABASE_URL from the
 * injected fields and then `exec`s node. `exec` replaces the shell, so node is the process ECS signals:
 * SIGTERM on a deployment reaches CLOS's graceful shutdown instead of stopping at the shell.
 *
 * The password is generated without punctuation (see database.ts), so it needs no URL escaping.
 */

/** Environment variables ECS fills from the RDS secret; CLOS never reads these itself. */
export const DATABASE_SECRET_FIELDS = {
  RDS_HOSTNAME: 'host',
  RDS_PORT: 'port',
  RDS_DB_NAME: 'dbname',
  RDS_USERNAME: 'username',
  RDS_PASSWORD: 'password',
} as const;

export type ProcessRole = 'api' | 'worker';

export interface CommandOptions {
  role: ProcessRole;
  /** The compiled server entry inside the image, e.g. `apps/server/dist/main.js`. */
  serverEntry: string;
  /**
   * A CA bundle inside the image to verify RDS's certificate with (`sslmode=verify-full`). Without
   * one the connection is still encrypted (RDS is set to force TLS) but the certificate is not
   * verified, because Node does not trust the RDS certificate authorities by default.
   */
  databaseCaFile?: string;
}

/** The `sh -c` script: builds DATABASE_URL, drops the loose password variable, execs the server. */
export function containerScript(options: CommandOptions): string {
  if (!/^[\w./-]+$/.test(options.serverEntry))
    throw new Error(`serverEntry "${options.serverEntry}": only letters, digits, . _ / - are allowed`);
  if (options.databaseCaFile !== undefined && !/^[\w./-]+$/.test(options.databaseCaFile))
    throw new Error(`databaseCaFile "${options.databaseCaFile}": only letters, digits, . _ / - are allowed`);
  const tls = options.databaseCaFile
    ? `sslmode=verify-full&sslrootcert=${options.databaseCaFile}`
    : 'sslmode=no-verify';
  const flag = options.role === 'api' ? '--no-worker' : '--worker-only';
  return [
    'set -eu',
    `export DATABASE_URL="postgres://$RDS_USERNAME:$RDS_PASSWORD@$RDS_HOSTNAME:$RDS_PORT/$RDS_DB_NAME?${tls}"`,
    'unset RDS_PASSWORD',
    // The same node flags as the image's ENTRYPOINT, which this command replaces.
    `exec node --enable-source-maps ${options.serverEntry} ${flag}`,
  ].join('\n');
}
