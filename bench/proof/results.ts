// Where proof results go and how they read: one JSON file per scenario, a summary.json, and the
// summary table as Markdown (printed, and kept as summary.md for the README).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProofResult } from './scenario';

export function resultsDirFor(root: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const dir = join(root, 'results', 'proof', stamp);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeResult(dir: string, r: ProofResult): void {
  writeFileSync(join(dir, `${r.scenario.replace(/\//g, '_')}.json`), `${JSON.stringify(r, null, 2)}\n`);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function summaryTable(results: ProofResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.ok ? 'pass' : 'FAIL'} | ${cell(r.error ? `error: ${r.error}` : r.summary)} | ${Math.round(r.seconds)} s |`,
  );
  return ['| Scenario | Result | Figures | Time |', '|---|---|---|---|', ...rows].join('\n');
}

export function writeSummary(dir: string, results: ProofResult[], machine: string): string {
  const table = summaryTable(results);
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
  writeFileSync(join(dir, 'summary.md'), `${machine}\n\n${table}\n`);
  return table;
}
