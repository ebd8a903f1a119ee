export * from './api.ts';
export * from './client.ts';
export * from './config.ts';
export * from './events.ts';
export * from './routes/audit.ts';
export {
  day,
  EMAIL_MAX,
  email,
  nonEmpty,
  projectKey,
  projectRef,
  ts as timestamp,
} from './routes/common.ts';
export * from './routes/definition.ts';
export * from './routes.ts';
