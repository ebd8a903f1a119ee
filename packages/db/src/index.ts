export * from './compose.ts';
export * from './database.ts';
export * from './repositories.ts';
export * as schema from './schema/index.ts';
