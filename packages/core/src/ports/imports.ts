/** What an import created, by its source's id: what makes a re-run of the same import skip those rows. */
export type ImportEntityType = 'project' | 'idea';

export interface ImportRecord {
  /** Where the rows came from: a CSV import's `--source` name, or `linear` for the Linear importer. */
  source: string;
  /** The tracker's own id of the row (a Jira key `PAY-12`, a Linear project id). */
  externalId: string;
  entityType: ImportEntityType;
  /** The CLOS project or idea the row became. */
  entityId: string;
  importedAt: Date;
}

export interface ImportRepository {
  /**
   * Records what a row became. False when (source, externalId, entityType) was recorded already: a
   * concurrent import of the same row waits for the first one's transaction and then conflicts, so
   * exactly one of them creates the entity (the caller rolls the loser back).
   */
  insert(record: ImportRecord): Promise<boolean>;
  /** Points a claimed record at the entity made for it (see the importers: claim first, then create). */
  setEntity(
    source: string,
    externalId: string,
    entityType: ImportEntityType,
    entityId: string,
  ): Promise<void>;
  find(source: string, externalId: string, entityType: ImportEntityType): Promise<ImportRecord | null>;
  /** Where a project or idea was imported from, if it was (the first record when several). */
  byEntity(entityType: ImportEntityType, entityId: string): Promise<ImportRecord | null>;
  /** The records among `externalIds` (any number), by external id. */
  findMany(
    source: string,
    entityType: ImportEntityType,
    externalIds: readonly string[],
  ): Promise<Map<string, ImportRecord>>;
}
