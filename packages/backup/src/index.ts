// The CLI may not import @clos/db: it tells a data directory in use by this error, re-exported here.
export { DataDirLockedError } from '@clos/db';
export * from './catalog.ts';
export * from './dump.ts';
export * from './format.ts';
export * from './operations.ts';
export * from './restore.ts';
export * from './schema-version.ts';
export * from './store.ts';
export * from './verify-audit.ts';
