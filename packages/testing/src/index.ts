export * from './clock.ts';
export * from './databases.ts';
export * from './fake-github.ts';
export * from './fake-linear.ts';
export * from './fake-slack.ts';
export * from './oidc-provider.ts';
export * from './policy.ts';
