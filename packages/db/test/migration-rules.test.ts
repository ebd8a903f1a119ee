import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER } from '@clos/db';
import { describe, expect, it } from 'vitest';
import {
  checkMigration,
  checkMigrations,
  formatViolations,
  type MigrationRule,
} from '../src/migration-rules.ts';

/** The rules each statement breaks, unmarked. */
function rules(sql: string): MigrationRule[] {
  return checkMigration('0099_test', sql).violations.map((v) => v.rule);
}

// Each rule both ways: the breaking statement, then the expand-only way to say the same thing.
const CASES: { rule: MigrationRule; flagged: string; fine: string }[] = [
  {
    rule: 'drop-table',
    flagged: 'DROP TABLE "ideas";',
    fine: 'CREATE TABLE "t" ("id" uuid);\nDROP TABLE "t";',
  },
  {
    rule: 'drop-table',
    flagged: 'drop view if exists public.pod_overview',
    fine: 'DROP INDEX "ideas_status_idx";',
  },
  {
    rule: 'drop-column',
    flagged: 'ALTER TABLE "ideas" DROP COLUMN "description";',
    fine: 'ALTER TABLE "ideas" DROP CONSTRAINT "ideas_pod_id_pods_id_fk";',
  },
  {
    rule: 'drop-column',
    flagged: 'alter table only ideas drop if exists description cascade',
    fine: 'alter table ideas add column note text',
  },
  {
    rule: 'rename',
    flagged: 'ALTER TABLE "ideas" RENAME COLUMN "title" TO "name";',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "name" varchar(500);',
  },
  {
    rule: 'rename',
    flagged: 'ALTER TABLE "ideas" RENAME TO "proposals";',
    fine: 'CREATE VIEW "proposals" AS SELECT * FROM "ideas";',
  },
  {
    rule: 'rename',
    flagged: 'ALTER INDEX "ideas_status_idx" RENAME TO "ideas_by_status";',
    fine: 'ALTER INDEX "ideas_status_idx" SET (fillfactor = 90);',
  },
  {
    rule: 'rename',
    flagged: 'ALTER TABLE public.ideas SET SCHEMA archive;',
    fine: 'ALTER TABLE "ideas" ENABLE TRIGGER ALL;',
  },
  {
    rule: 'alter-column-type',
    flagged: 'ALTER TABLE "ideas" ALTER COLUMN "title" SET DATA TYPE text;',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "title_text" text;',
  },
  {
    rule: 'alter-column-type',
    flagged: 'alter table ideas alter title type text using title::text',
    fine: "alter table ideas alter title set default 'untitled'",
  },
  {
    rule: 'set-not-null',
    flagged: 'ALTER TABLE "ideas" ALTER COLUMN "pod_id" SET NOT NULL;',
    fine: 'ALTER TABLE "ideas" ALTER COLUMN "pod_id" DROP NOT NULL;',
  },
  {
    rule: 'drop-default',
    flagged: 'ALTER TABLE "ideas" ALTER COLUMN "status" DROP DEFAULT;',
    fine: 'ALTER TABLE "ideas" ALTER COLUMN "status" SET DEFAULT \'pending\';',
  },
  {
    rule: 'add-required-column',
    flagged: 'ALTER TABLE "ideas" ADD COLUMN "kind" text NOT NULL;',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "kind" text DEFAULT \'feature\' NOT NULL;',
  },
  {
    rule: 'add-required-column',
    flagged: 'ALTER TABLE "ideas" ADD COLUMN "n" integer PRIMARY KEY;',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "n" bigserial NOT NULL;',
  },
  {
    rule: 'add-required-column',
    flagged: 'ALTER TABLE "ideas" ADD "kind" text NOT NULL CHECK (kind IS NOT NULL);',
    fine: 'ALTER TABLE "ideas" ADD "kind" text DEFAULT \'x\' CHECK (kind IS NOT NULL);',
  },
  {
    rule: 'constrain-existing-columns',
    flagged: 'ALTER TABLE "ideas" ADD CONSTRAINT "c" CHECK ("ideas"."title" <> \'\') NOT VALID;',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "kind" text;\nALTER TABLE "ideas" ADD CONSTRAINT "c" CHECK ("ideas"."kind" in (\'a\', \'b\')) NOT VALID;',
  },
  {
    rule: 'constrain-existing-columns',
    flagged:
      'ALTER TABLE "ideas" ADD CONSTRAINT "f" FOREIGN KEY ("submitted_by") REFERENCES "users"("id") NOT VALID;',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "owner" uuid;\nALTER TABLE "ideas" ADD CONSTRAINT "f" FOREIGN KEY ("owner") REFERENCES "users"("id") NOT VALID;',
  },
  {
    rule: 'blocking-index',
    flagged: 'CREATE INDEX "ideas_title_idx" ON "ideas" USING btree ("title");',
    fine: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ideas_title_idx" ON "ideas" USING btree ("title");',
  },
  {
    rule: 'blocking-index',
    flagged:
      'ALTER TABLE "ideas" ADD COLUMN "slug" text;\nALTER TABLE "ideas" ADD CONSTRAINT "ideas_slug_unique" UNIQUE("slug");',
    fine: 'ALTER TABLE "ideas" ADD CONSTRAINT "ideas_slug_unique" UNIQUE USING INDEX "ideas_slug_idx";',
  },
  {
    rule: 'blocking-index',
    flagged: 'CREATE UNIQUE INDEX "x" ON public."ideas" ("title");',
    fine: 'CREATE TABLE "notes" ("id" uuid, "body" text);\nCREATE UNIQUE INDEX "x" ON "notes" ("body");',
  },
  {
    rule: 'blocking-validation',
    flagged:
      'ALTER TABLE "ideas" ADD COLUMN "kind" text;\nALTER TABLE "ideas" ADD CONSTRAINT "c" CHECK ("kind" <> \'\');',
    fine: 'ALTER TABLE "ideas" ADD COLUMN "kind" text;\nALTER TABLE "ideas" ADD CONSTRAINT "c" CHECK ("kind" <> \'\') NOT VALID;\nALTER TABLE "ideas" VALIDATE CONSTRAINT "c";',
  },
];

describe('the migration rules', () => {
  it.each(CASES)('$rule: flags "$flagged", not "$fine"', ({ rule, flagged, fine }) => {
    expect(rules(flagged)).toContain(rule);
    expect(rules(fine)).toEqual([]);
  });

  it('lets a table this migration creates change freely: no release has used it', () => {
    const sql = [
      'CREATE TABLE "drafts" ("id" uuid PRIMARY KEY NOT NULL, "title" text);',
      'ALTER TABLE "drafts" ADD COLUMN "body" text NOT NULL;',
      'ALTER TABLE "drafts" ALTER COLUMN "title" SET NOT NULL;',
      'ALTER TABLE "drafts" RENAME COLUMN "title" TO "name";',
      'ALTER TABLE "drafts" ADD CONSTRAINT "drafts_name_unique" UNIQUE("name");',
      'CREATE INDEX "drafts_body_idx" ON "drafts" ("body");',
    ].join('\n--> statement-breakpoint\n');
    expect(rules(sql)).toEqual([]);
  });

  it('reads every action of a multi-action ALTER TABLE', () => {
    expect(
      rules('ALTER TABLE ideas ADD COLUMN a text, DROP COLUMN title, ALTER status DROP DEFAULT;'),
    ).toEqual(['drop-column', 'drop-default']);
  });

  it('does not read SQL inside strings, comments or function bodies', () => {
    const sql = `
      -- ALTER TABLE ideas DROP COLUMN title;
      /* DROP TABLE ideas; /* nested */ still a comment; */
      INSERT INTO config_state (key, value, applied_at) VALUES ('drop table ideas; alter table x rename to y', '{}', now());
      CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
      BEGIN EXECUTE 'ALTER TABLE ideas DROP COLUMN title'; RETURN NEW; END;
      $body$;
      UPDATE "ideas" SET "status" = E'it''s \\' done';`;
    expect(rules(sql)).toEqual([]);
  });

  describe('markers', () => {
    const drop = 'ALTER TABLE "ideas" DROP COLUMN "description";';

    it('a contract marker with its reason allows a contract step, and the reason is kept', () => {
      const check = checkMigration(
        '0099_test',
        `-- clos:contract 2.3 stopped reading ideas.description (moved to idea_notes in 2.2)\n${drop}`,
      );
      expect(check.violations).toEqual([]);
      expect(check.allowed).toEqual([
        expect.objectContaining({
          rule: 'drop-column',
          line: 2,
          reason: '2.3 stopped reading ideas.description (moved to idea_notes in 2.2)',
        }),
      ]);
    });

    it('a marker without a reason allows nothing', () => {
      expect(rules(`-- clos:contract\n${drop}`)).toEqual(['marker-without-reason', 'drop-column']);
    });

    it('the wrong kind of marker allows nothing and is itself reported', () => {
      expect(rules(`-- clos:blocking the table is small\n${drop}`)).toEqual(['unused-marker', 'drop-column']);
      expect(rules('-- clos:contract no reader left\nCREATE INDEX "i" ON "ideas" ("title");')).toEqual([
        'unused-marker',
        'blocking-index',
      ]);
    });

    it('a marker covers only the statement below it', () => {
      const sql = `-- clos:contract 2.3 stopped using both\n${drop}\n--> statement-breakpoint\nALTER TABLE "ideas" DROP COLUMN "archived_reason";`;
      const check = checkMigration('0099_test', sql);
      expect(check.allowed.map((f) => f.line)).toEqual([2]);
      expect(check.violations).toEqual([expect.objectContaining({ rule: 'drop-column', line: 4 })]);
    });

    it('a marker above a safe statement, or above nothing, is reported so it cannot linger', () => {
      expect(rules('-- clos:contract nothing to see\nALTER TABLE "ideas" ADD COLUMN "x" text;')).toEqual([
        'unused-marker',
      ]);
      expect(rules(`${drop}\n-- clos:contract trailing`)).toEqual(['drop-column', 'unused-marker']);
    });

    it('a statement that is both breaking and blocking needs both markers', () => {
      const sql = 'ALTER TABLE "ideas" ADD CONSTRAINT "c" CHECK ("title" <> \'\');';
      expect(rules(sql)).toEqual(['constrain-existing-columns', 'blocking-validation']);
      expect(rules(`-- clos:contract 2.3 never writes an empty title\n${sql}`)).toEqual([
        'blocking-validation',
      ]);
      expect(
        rules(`-- clos:contract 2.3 never writes an empty title\n-- clos:blocking ideas is small\n${sql}`),
      ).toEqual([]);
    });
  });

  it('says where, what and how to mark it', () => {
    const text = formatViolations(checkMigration('0099_test', 'SELECT 1;\nDROP TABLE "ideas";').violations);
    expect(text).toContain('0099_test.sql:2 drop-table');
    expect(text).toContain('-- clos:contract <why it is safe now>');
    expect(text).toContain('DROP TABLE "ideas"');
  });
});

describe('the migrations in packages/db/migrations', () => {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const migrations = journal.entries.map((e) => ({
    tag: e.tag,
    sql: readFileSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), 'utf8'),
  }));

  it('break no rule without a marker saying why', () => {
    const check = checkMigrations(migrations);
    expect(formatViolations(check.violations)).toBe('');
    // The check reads something: history holds marked steps (0008 makes projects.key NOT NULL).
    expect(check.allowed).toContainEqual(
      expect.objectContaining({ migration: '0008_github_app', rule: 'set-not-null' }),
    );
  });
});
