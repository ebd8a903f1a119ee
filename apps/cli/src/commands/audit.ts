import { EXIT, usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { verifyCheckpointDirectory } from '../audit-checkpoints.ts';
import { action, morePages, type Runtime, wholeNumber } from '../context.ts';

interface AuditVerifyOptions {
  checkpoints?: string;
  publicKey?: string;
}

interface AuditListOptions {
  subjectType?: string;
  subjectId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export function registerAuditCommands(program: Command, runtime: Runtime): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log');

  audit
    .command('list')
    .description('audit events, newest first')
    .option('--subject-type <type>', 'e.g. project, pod, wip_lock')
    .option('--subject-id <id>', 'one subject')
    .option('--actor <userId>', 'events by this user id')
    .option('--action <action>', 'e.g. stage.advanced')
    .option('--from <iso>', 'at or after this time (with offset, e.g. 2026-03-01T00:00:00Z)')
    .option('--to <iso>', 'before this time')
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<AuditListOptions>(runtime, async (s, o) => {
        const query = {
          ...(o.subjectType ? { subjectType: o.subjectType } : {}),
          ...(o.subjectId ? { subjectId: o.subjectId } : {}),
          ...(o.actor ? { actorId: o.actor } : {}),
          ...(o.action ? { action: o.action } : {}),
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        };
        const page = await (await s.client()).listAudit({ query });
        if (s.out.json) return s.out.printJson(page);
        s.out.table(page.items, [
          { header: 'SEQ', value: (e) => e.sequence },
          { header: 'AT', value: (e) => e.occurredAt },
          { header: 'ACTOR', value: (e) => e.actorLabel },
          { header: 'ACTION', value: (e) => e.action },
          { header: 'SUBJECT', value: (e) => `${e.subjectType} ${e.subjectId}` },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  audit
    .command('verify')
    .description(
      'recompute the hash chain; with --checkpoints, also prove the log still contains every signed checkpoint; exit 1 if not',
    )
    .option(
      '--checkpoints <dir>',
      'a directory of signed checkpoints (the directory sink of audit.checkpoints)',
    )
    .option(
      '--public-key <file>',
      'the pinned PEM public key of the audit signing key (default <dir>/public-key.pem)',
    )
    .action(
      action<AuditVerifyOptions>(runtime, async (s, o) => {
        if (o.publicKey && !o.checkpoints) throw usageError('--public-key needs --checkpoints <dir>');
        if (o.checkpoints)
          return verifyCheckpointDirectory(s, { checkpoints: o.checkpoints, publicKey: o.publicKey });
        const result = await (await s.client()).verifyAudit();
        if (s.out.json) s.out.printJson(result);
        else if (result.ok) s.out.line(`audit chain intact: ${result.count} events`);
        else
          s.out.line(
            `audit chain BROKEN at sequence ${result.brokenAt}: ${result.reason} (${result.count} events)`,
          );
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
