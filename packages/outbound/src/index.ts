export * from './outbound-client.ts';
