import { backupFileName, takeBackup } from '@clos/backup';
import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../http/context.ts';
import { sendError } from '../http/errors.ts';
import { route } from './route.ts';

/**
 * `GET /api/v1/admin/backup`: the whole database as a CLOS backup archive (docs/backup.md). A backup
 * holds everything (users, token hashes, sessions, the audit log), so its permission, `backups:create`,
 * is the admin role's alone. The snapshot goes to a
 * temporary file first and is streamed from there: on the embedded engine writers wait for the read
 * only, never for a slow download. This is how a running embedded server, which holds its data
 * directory, is backed up (`clos backup --out FILE`).
 */
export function backupRoutes(app: FastifyInstance, { database }: RouteDeps) {
  route(app, routes.downloadBackup, async (request, reply) => {
    if (!database)
      return sendError(reply, request, 503, 'service_unavailable', 'this process has no database to back up');
    const backup = await takeBackup(database);
    const { manifest } = backup;
    request.log.info(
      {
        schema: manifest.schema.tag,
        auditHead: manifest.auditHead.sequence,
        snapshotMs: Math.round(backup.snapshotMs),
      },
      'backup taken for download',
    );
    const archive = backup.stream();
    // Sent, failed or cut off by the client: the stream closes either way, and the file goes.
    archive.once('close', () => {
      backup
        .dispose()
        .catch((err: unknown) => request.log.warn({ err }, 'removing a backup temporary file failed'));
    });
    return reply
      .code(200)
      .type('application/gzip')
      .header('content-disposition', `attachment; filename="${backupFileName(manifest)}"`)
      .header('cache-control', 'no-store')
      .header('x-clos-backup-schema', manifest.schema.tag)
      .header('x-clos-backup-audit-head', String(manifest.auditHead.sequence))
      .send(archive);
  });
}
