export * from './compose.ts';
export * from './database.ts';
export * from './metrics-snapshot.ts';
export * from './repositories.ts';
export * as schema from './schema/index.ts';
export * from './secret-box.ts';
export * from './secrets-at-rest.ts';
export * from './system-clock.ts';
export * from './unit-of-work.ts';
