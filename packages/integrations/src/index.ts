export * from './configure.ts';
export * from './integration.ts';
export * from './log/log-integration.ts';
export * from './log/log-notifier.ts';
export * from './registry.ts';
export * from './webhook/webhook-integration.ts';
export * from './webhook/webhook-notifier.ts';
