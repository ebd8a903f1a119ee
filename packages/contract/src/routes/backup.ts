import { z } from 'zod';
import { errorSchema } from '../api.ts';
import type { RouteDefinition } from './definition.ts';

/**
 * The backup download (docs/backup.md): the whole database as one archive. Not a JSON route, so the
 * typed client has no method for it; `clos backup --out FILE` fetches it directly.
 */
export const backupRoutes = {
  downloadBackup: {
    method: 'GET',
    path: '/api/v1/admin/backup',
    produces: 'application/gzip',
    responses: {
      200: z.string().meta({
        description:
          'A CLOS backup archive (`clos-backup/1`): gzip of newline-delimited JSON, the manifest first ' +
          '(CLOS version, schema version, engine, audit head, per-table row counts and SHA-256), then ' +
          'every table of one consistent snapshot. Restore it with `clos restore FILE`. Administrators only.',
      }),
      403: errorSchema,
      503: errorSchema,
    },
    // Held by the admin role alone: the archive holds every user, token hash and session.
    permission: 'backups:create',
    summary: 'Download a consistent backup of the whole database (administrators)',
    tags: ['backup'],
  },
} as const satisfies Record<string, RouteDefinition>;
