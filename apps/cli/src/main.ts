import { cliVersion } from './version.ts';

// A reader that stops early (`clos audit list | head`) is not an error: stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Scripts and health checks ask this often: answered before the program (and its imports) loads.
  process.stdout.write(`${cliVersion()}\n`);
} else {
  const { runCli } = await import('./program.ts');
  // exitCode rather than process.exit(): output still buffered for a pipe is flushed before the
  // process ends, and `clos server` keeps running until its child stops.
  process.exitCode = await runCli(args, { env: process.env, cwd: process.cwd(), exitCode: 0 });
}
