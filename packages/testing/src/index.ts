export * from './clock.ts';
export * from './databases.ts';
export * from './policy.ts';
