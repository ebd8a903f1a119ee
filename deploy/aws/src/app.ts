/**
 * CDK entry (cdk.json runs it through tsx): `npx cdk synth --context env=staging`, or from the
 * repository root `npm run deploy -- --context env=production`. See docs/deploy-aws.md.
 */
import { App } from 'aws-cdk-lib';
import { addClosStack } from './clos-stack.ts';
import { EnvironmentError, resolveEnvironment } from './environments.ts';

// One App only: under the CLI an App synthesises itself on exit, so a second one would overwrite
// the cloud assembly with an empty one.
const app = new App();
try {
  const settings = resolveEnvironment((key) => app.node.tryGetContext(key), process.env);
  addClosStack(app, settings);
  app.synth();
} catch (error) {
  if (!(error instanceof EnvironmentError)) throw error;
  console.error(`clos deploy-aws: ${error.message}`);
  process.exitCode = 2;
}
