// hakube kubeconfig -f cluster.yaml [--user NAME [--group G]... [--days N]] [-o FILE]
import { chmodSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../exit-codes';
import { adminKubeconfig, userKubeconfig } from '../kubeconfig';
import { printLines } from '../output';
import { loadClusterOrThrow } from '../spec-file';

interface KubeconfigFlags {
  file: string;
  user?: string;
  group: string[];
  days: string;
  output?: string;
}

export function registerKubeconfigCommand(program: Command): void {
  program
    .command('kubeconfig')
    .description(
      'print a kubeconfig for the API endpoint, read over SSH from the first control-plane host: the admin one, or one for --user with its own client certificate',
    )
    .requiredOption('-f, --file <file>', 'cluster spec (YAML)')
    .option(
      '--user <name>',
      'issue a client certificate for this user (its CN) instead of reading admin.conf',
    )
    .option(
      '--group <name>',
      'a group of --user (its O); repeatable',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--days <n>', 'validity of the --user certificate in days', '365')
    .option('-o, --output <file>', 'write it to this file (mode 0600) instead of standard output')
    .action(async (flags: KubeconfigFlags) => {
      const { cluster } = loadClusterOrThrow(flags.file);
      if (!flags.user && flags.group.length) throw new InputError('--group needs --user');
      if (!/^[1-9]\d*$/.test(flags.days))
        throw new InputError(`--days must be a whole number >= 1, got "${flags.days}"`);
      const text = flags.user
        ? await userKubeconfig(
            cluster,
            { user: flags.user, groups: flags.group, validityDays: Number(flags.days) },
            new Date(),
          )
        : await adminKubeconfig(cluster);
      if (flags.output) {
        writeFileSync(flags.output, text, { mode: 0o600 });
        chmodSync(flags.output, 0o600); // also when the file was there before
        printLines([`wrote ${flags.output}${flags.user ? ` (user ${flags.user})` : ' (admin)'}`]);
      } else process.stdout.write(text);
    });
}
