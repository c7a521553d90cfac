// Benchmark: time to boot 3, 10 and 30 lab machines (until SSH answers and systemd has booted)
// and their memory: PSS of every process in each machine's network namespace (PSS splits shared
// pages fairly, so machines sharing the base tree's libraries are not counted twice; RSS, which
// counts them in every machine, is shown for comparison). Prints a table; asserts nothing.
// Usage: node dist/bench/lab-boot.js [3 10 30]
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { labDown, labUp } from '../lab';
import { netnsName } from '../lab/names';

/** PSS and RSS (MiB) of one process; RSS counts the pages machines share once per machine. */
function memoryMiB(pid: string): { pss: number; rss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { pss: kb('Pss') / 1024, rss: kb('Rss') / 1024 };
  } catch {
    return { pss: 0, rss: 0 };
  }
}

function machineMemoryMiB(lab: string, host: string): { pss: number; rss: number } {
  const pids = execFileSync('ip', ['netns', 'pids', netnsName(lab, host)])
    .toString()
    .split('\n')
    .filter(Boolean);
  return pids
    .map(memoryMiB)
    .reduce((a, b) => ({ pss: a.pss + b.pss, rss: a.rss + b.rss }), { pss: 0, rss: 0 });
}

async function measure(count: number): Promise<string[]> {
  const lab = `bench${count}`;
  await labDown({ name: lab }).catch(() => undefined);
  try {
    const started = Date.now();
    const info = await labUp({ name: lab, masters: Math.min(3, count), workers: Math.max(0, count - 3) });
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 5000)); // let boot-time activity settle before reading memory
    const perMachine = info.hosts.map((h) => machineMemoryMiB(lab, h.name));
    const total = perMachine.reduce((a, b) => a + b.pss, 0);
    const rss = perMachine.reduce((a, b) => a + b.rss, 0);
    return [
      String(count),
      seconds.toFixed(1),
      (seconds / count).toFixed(2),
      (total / count).toFixed(1),
      Math.max(...perMachine.map((m) => m.pss)).toFixed(1),
      total.toFixed(0),
      (rss / count).toFixed(1),
    ];
  } finally {
    await labDown({ name: lab });
  }
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  const rows = [
    [
      'machines',
      'boot s (all up)',
      's/machine',
      'PSS MiB/machine',
      'max PSS MiB',
      'total PSS MiB',
      'RSS MiB/machine',
    ],
  ];
  // Warm the base-tree cache first so the figures are boot times, not debootstrap.
  await labUp({ name: 'benchwarm', masters: 1, workers: 0 });
  await labDown({ name: 'benchwarm' });
  for (const n of counts.length ? counts : [3, 10, 30]) rows.push(await measure(n));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i])).join('  '));
  console.log(
    `machine: ${execFileSync('nproc').toString().trim()} cores, ${Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 1024 / 1024)} GiB`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
