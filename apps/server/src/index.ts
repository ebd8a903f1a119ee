export { buildApp } from './app.ts';
export { parseServerOptions, USAGE, UsageError } from './runtime/options.ts';
export { StartupError, startServer } from './server.ts';
