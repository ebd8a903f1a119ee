import { runCli } from './program.ts';

// A reader that stops early (`clos audit list | head`) is not an error: stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// exitCode rather than process.exit(): output still buffered for a pipe is flushed before the process
// ends, and `clos server` keeps running until its child stops.
process.exitCode = await runCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), exitCode: 0 });
