import { getTableName, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database, Db } from './database.ts';
import * as t from './schema/index.ts';
import { isSealed, type SecretBox, SecretBoxError, type SecretBoxFailure } from './secret-box.ts';

/** A column whose values are secrets: stored sealed, opened by its repository on read. */
export interface SealedColumn {
  /** `table.column`, the prefix of each value's place (its additional authenticated data). */
  name: string;
  table: PgTable;
  id: PgColumn;
  value: PgColumn;
}

/**
 * Every column that holds a secret. Start-up encrypts their plain values and checks the rest open;
 * `clos secrets rotate` re-encrypts them. A new kind of stored secret is one line here plus its
 * repository sealing on write and opening on read.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { name: 'webhooks.secret', table: t.webhooks, id: t.webhooks.id, value: t.webhooks.secret },
];

/** Where a value lives, bound into its ciphertext: a value copied elsewhere does not decrypt. */
export const sealedPlace = (column: string, id: string) => `${column}:${id}`;

export interface StoredSecretsSummary {
  total: number;
  /** Values still in plain text (written before encryption existed). */
  plain: number;
  /** Sealed values per key id. */
  byKey: Record<string, number>;
}

/** How many secrets are stored, and under which keys; nothing is decrypted. */
export async function summarizeStoredSecrets(db: Db): Promise<StoredSecretsSummary> {
  const summary: StoredSecretsSummary = { total: 0, plain: 0, byKey: {} };
  for (const column of SEALED_COLUMNS) {
    const rows = await db.select({ value: column.value }).from(column.table);
    for (const { value } of rows as { value: string }[]) {
      summary.total += 1;
      if (!isSealed(value)) summary.plain += 1;
      else {
        const keyId = value.split(':')[2] ?? '?';
        summary.byKey[keyId] = (summary.byKey[keyId] ?? 0) + 1;
      }
    }
  }
  return summary;
}

export interface StoredSecretFailure {
  place: string;
  reason: SecretBoxFailure;
  keyId: string | null;
  message: string;
}

/** Some stored secrets do not open with the keys given; nothing was changed. */
export class StoredSecretsError extends Error {
  constructor(
    readonly failures: StoredSecretFailure[],
    readonly keyIds: readonly string[],
  ) {
    const needed = [...new Set(failures.map((f) => f.keyId).filter((k): k is string => k !== null))];
    super(
      `${failures.length} stored secret${failures.length === 1 ? '' : 's'} cannot be decrypted with the key${
        keyIds.length === 1 ? '' : 's'
      } given (${keyIds.join(', ')})${
        needed.length
          ? `; ${needed.length === 1 ? 'it needs key' : 'they need keys'} ${needed.join(', ')}`
          : ''
      }`,
    );
    this.name = 'StoredSecretsError';
  }
}

export interface ResealResult {
  /** Values written anew (plain ones sealed, or re-encrypted under the current key). */
  changed: number;
  /** Values checked and left as they were. */
  unchanged: number;
}

/**
 * Walks every stored secret in one transaction, rows locked (so processes starting together, or a
 * rotation beside running servers, take turns): each value must open with the box's keys; plain ones
 * are sealed, and with `rotate` every value not under the current key is re-encrypted under it. Any
 * value that does not open fails the whole walk before anything is written.
 */
async function reseal(database: Database, box: SecretBox, rotate: boolean): Promise<ResealResult> {
  const changedTables = new Set<string>();
  const result = await database.db.transaction(async (tx) => {
    const db = tx as unknown as Db;
    const failures: StoredSecretFailure[] = [];
    const writes: { column: SealedColumn; id: string; value: string }[] = [];
    let unchanged = 0;
    for (const column of SEALED_COLUMNS) {
      const rows = (await db
        .select({ id: column.id, value: column.value })
        .from(column.table)
        .orderBy(column.id)
        .for('update')) as { id: string; value: string }[];
      for (const row of rows) {
        const place = sealedPlace(column.name, row.id);
        const sealed = isSealed(row.value);
        let plain: string;
        try {
          plain = sealed ? box.open(row.value, place) : row.value;
        } catch (error) {
          if (!(error instanceof SecretBoxError)) throw error;
          failures.push({ place, reason: error.reason, keyId: error.keyId, message: error.message });
          continue;
        }
        if (!sealed || (rotate && box.keyIdOf(row.value) !== box.keyId))
          writes.push({ column, id: row.id, value: box.seal(plain, place) });
        else unchanged += 1;
      }
    }
    if (failures.length) throw new StoredSecretsError(failures, box.keyIds);
    for (const w of writes) {
      await db.execute(
        sql`update ${w.column.table} set ${sql.identifier(w.column.value.name)} = ${w.value} where ${w.column.id} = ${w.id}`,
      );
      changedTables.add(getTableName(w.column.table));
    }
    return { changed: writes.length, unchanged };
  });
  // The old values stay in the table's files as dead row versions until vacuumed; rewrite the table
  // so a copy of the data directory or a physical backup taken from now on does not hold them.
  for (const table of changedTables) await database.query(`vacuum full "${table}"`);
  return result;
}

/** Start-up: seals plain stored secrets under the current key and checks that every sealed one opens. */
export function sealStoredSecrets(database: Database, box: SecretBox): Promise<ResealResult> {
  return reseal(database, box, false);
}

/** `clos secrets rotate`: re-encrypts every stored secret under the box's current key. */
export function rotateStoredSecrets(database: Database, box: SecretBox): Promise<ResealResult> {
  return reseal(database, box, true);
}
