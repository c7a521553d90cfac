// hakube lab up|down|status|stop|start|partition|heal: local machines for the demo and tests.
import type { Command } from 'commander';
import {
  labDown,
  labHeal,
  labPartition,
  labStartHost,
  labStatus,
  labStopHost,
  labUp,
  LabInputError,
  type LabInfo,
} from '../../lab';
import { printJson, printLines, table } from '../output';

const progress = (json?: boolean) => (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

function count(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new LabInputError(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

function statusLines(labs: LabInfo[]): string[] {
  const lines: string[] = [];
  for (const lab of labs) {
    lines.push(`lab ${lab.name}: ${lab.subnet} (bridge ${lab.bridge}), VIP ${lab.vip}, spec ${lab.specPath}`);
    const rows = [['HOST', 'ROLE', 'ADDRESS', 'STATE']];
    for (const h of lab.hosts)
      rows.push([
        h.name,
        h.role,
        h.address,
        h.running ? (h.partitioned ? 'running, partitioned' : 'running') : 'stopped',
      ]);
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  return lines.length ? lines : ['no labs'];
}

export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description('local lab hosts: systemd + sshd machines (systemd-nspawn) on a private bridge');

  lab
    .command('up')
    .description('build (once) and boot a lab, and write a cluster spec for it (idempotent)')
    .requiredOption('--name <name>', 'lab name')
    .option('--masters <n>', 'control-plane + etcd hosts', '3')
    .option('--workers <n>', 'worker hosts', '2')
    .option('--out <file>', 'where to write the cluster spec (default: the lab folder)')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; masters: string; workers: string; out?: string; json?: boolean }) => {
      const info = await labUp({
        name: o.name,
        masters: count(o.masters, '--masters'),
        workers: count(o.workers, '--workers'),
        out: o.out,
        onProgress: progress(o.json),
      });
      if (o.json) printJson(info);
      else printLines(statusLines([info]));
    });

  lab
    .command('down')
    .description('stop and remove a lab: machines, overlays, bridge, namespaces (also after a crash)')
    .requiredOption('--name <name>', 'lab name')
    .action(async (o: { name: string }) => labDown({ name: o.name, onProgress: progress() }));

  lab
    .command('status')
    .description('labs, their hosts and whether they run')
    .option('--name <name>', 'one lab')
    .option('--json', 'print JSON')
    .action(async (o: { name?: string; json?: boolean }) => {
      const labs = await labStatus({ name: o.name });
      if (o.json) printJson(labs);
      else printLines(statusLines(labs));
    });

  const hostCommand = (name: string, description: string, fn: (lab: string, host: string) => Promise<void>) =>
    lab
      .command(name)
      .description(description)
      .argument('<lab>', 'lab name')
      .argument('<host>', 'host name, e.g. master-2')
      .action(async (labName: string, host: string) => {
        await fn(labName, host);
        printLines([`${labName}/${host}: ${name} done`]);
      });
  hostCommand('stop', 'power a machine off (its disk is kept)', labStopHost);
  hostCommand('start', 'boot a stopped machine and wait until it is up', labStartHost);
  hostCommand('partition', "drop all of a machine's network traffic", labPartition);
  hostCommand('heal', "restore a partitioned machine's network", labHeal);
}
