import { readFileSync } from 'node:fs';

/**
 * The CLI's version, from its package.json. Its own module, imported by `main.ts` before anything
 * else, so `clos --version` answers without loading the program (commander, the client, the commands).
 */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
