export * from './outbound-client.ts';
export * from './signed-post.ts';
