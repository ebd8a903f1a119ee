export * from './api.ts';
export * from './client.ts';
export * from './config.ts';
export * from './routes.ts';
