import { EXIT, loadConfig, usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { action, type Runtime } from '../context.ts';

export function registerConfigCommands(program: Command, runtime: Runtime): void {
  const config = program.command('config').description('the policy file, clos.config.yaml');

  config
    .command('validate')
    .description("check a policy file by the server's rules, offline; exit 1 listing every problem")
    .argument('[file]', 'policy file (default ./clos.config.yaml, else the built-in default)')
    .action(
      action(runtime, async (s, _options, command) => {
        const loaded = await loadConfig(command.args[0], s.runtime.cwd);
        if (!loaded.ok && loaded.unreadable) throw usageError(loaded.problems.join('; '));
        if (s.out.json)
          s.out.printJson(
            loaded.ok
              ? { source: loaded.source, valid: true }
              : { source: loaded.source, valid: false, problems: loaded.problems },
          );
        else if (loaded.ok) {
          const { stages, wip, pods } = loaded.config;
          s.out.line(
            `${loaded.source} is valid: ${stages.length} stages (${stages.map((st) => st.name).join(' → ')}), ${wip.types.length} WIP types, ${pods.length} pods`,
          );
        } else {
          s.out.line(`${loaded.source} is invalid:`);
          for (const problem of loaded.problems) s.out.line(`  ${problem}`);
        }
        return loaded.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
