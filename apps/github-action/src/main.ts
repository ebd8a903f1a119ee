/**
 * The action's entry point, bundled to `dist/index.js` and run by the runner as `node dist/index.js`.
 * It masks the token before anything can print it, runs the command, then writes the log, the
 * `::error::` annotation, the outputs and the job summary, and sets the exit code.
 */
import { EOL } from 'node:os';
import { EXIT_BUG } from './context.ts';
import { runAction } from './run.ts';
import { appendSummary, getInput, setOutputs, workflowCommand } from './runner.ts';

const env = process.env;
const token = getInput(env, 'token');
if (token) process.stdout.write(workflowCommand('add-mask', token));

const result = await runAction({ env, cwd: process.cwd() });
for (const line of result.log) process.stdout.write(`${line}${EOL}`);
if (result.error)
  process.stdout.write(workflowCommand('error', result.error.message, { title: result.error.title }));
try {
  setOutputs(env, { status: result.status, details: JSON.stringify(result.details) });
  appendSummary(env, result.summary.join(EOL));
  process.exitCode = result.exitCode;
} catch (error) {
  process.stdout.write(
    workflowCommand('error', `cannot write the step's outputs or summary: ${(error as Error).message}`, {
      title: 'CLOS action',
    }),
  );
  process.exitCode = EXIT_BUG;
}
