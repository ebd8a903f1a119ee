export * from './engine.ts';
export * from './module.ts';
export * from './queue.ts';
export * from './registry.ts';
export * from './relay.ts';
export * from './runtime.ts';
export * from './scheduler.ts';
export * from './sql-executor.ts';
