// Benchmark: time to boot 3, 10 and 30 lab machines (until SSH answers and systemd has booted)
// and their memory: PSS of every process in each machine's network namespace (PSS splits shared
// pages fairly, so machines sharing the base tree's libraries are not counted twice). Prints a
// table; asserts nothing.  node dist/bench/lab-boot.js [3 10 30]
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { labDown, labUp } from '../lab';
import { netnsName } from '../lab/names';

function pssMiB(pid: string): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function machinePssMiB(lab: string, host: string): number {
  const pids = execFileSync('ip', ['netns', 'pids', netnsName(lab, host)])
    .toString()
    .split('\n')
    .filter(Boolean);
  return pids.reduce((sum, pid) => sum + pssMiB(pid), 0);
}

async function measure(count: number): Promise<string[]> {
  const lab = `bench${count}`;
  await labDown({ name: lab }).catch(() => undefined);
  const started = Date.now();
  const info = await labUp({ name: lab, masters: Math.min(3, count), workers: Math.max(0, count - 3) });
  const seconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 5000)); // let boot-time activity settle before reading memory
  const perMachine = info.hosts.map((h) => machinePssMiB(lab, h.name));
  await labDown({ name: lab });
  const total = perMachine.reduce((a, b) => a + b, 0);
  return [
    String(count),
    seconds.toFixed(1),
    (seconds / count).toFixed(2),
    (total / count).toFixed(1),
    Math.max(...perMachine).toFixed(1),
    total.toFixed(0),
  ];
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  const rows = [
    ['machines', 'boot s (all up)', 's/machine', 'PSS MiB/machine', 'max PSS MiB', 'total PSS MiB'],
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
