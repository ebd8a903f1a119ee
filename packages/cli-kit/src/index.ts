export * from './api-errors.ts';
export * from './config-file.ts';
export * from './errors.ts';
