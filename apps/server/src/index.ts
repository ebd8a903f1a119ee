export { buildApp } from './app.ts';
export { loadConfigFile, parseConfigYaml } from './config/load-config.ts';
export { parseServerOptions, USAGE, UsageError } from './runtime/options.ts';
export { StartupError, startServer } from './server.ts';
