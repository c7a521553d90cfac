// `npm run proof`: hakube's claims checked on real components (lab machines, the Temporal dev
// server, the real worker process), one scenario after another; a summary table printed and
// JSON results written under results/proof/<stamp>/.
//   node dist/bench/proof.js [--list] [--only NAME[,NAME...]] (a NAME matches itself or a prefix: fault/)
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { conformanceScenarios } from './proof/conformance';
import { e2eScenarios } from './proof/e2e';
import { faultScenarios } from './proof/faults';
import { measureScenarios } from './proof/measure';
import { upgradeScenarios } from './proof/upgrade';
import { resultsDirFor, summaryTable, writeResult, writeSummary } from './proof/results';
import type { ProofResult, ProofScenario } from './proof/scenario';

const REPO_ROOT = join(__dirname, '..', '..');
const all: ProofScenario[] = [
  ...faultScenarios,
  ...measureScenarios,
  ...upgradeScenarios,
  ...e2eScenarios,
  ...conformanceScenarios,
];

function selected(args: string[]): ProofScenario[] {
  const i = args.indexOf('--only');
  if (i < 0) return all;
  const names = (args[i + 1] ?? '').split(',').filter(Boolean);
  const picked = all.filter((s) =>
    names.some((n) => s.name === n || s.name.startsWith(n.endsWith('/') ? n : `${n}/`)),
  );
  const unknown = names.filter((n) => !all.some((s) => s.name === n || s.name.startsWith(n)));
  if (unknown.length > 0 || picked.length === 0) {
    process.stderr.write(`unknown scenario: ${unknown.join(', ') || '(none given)'}; see --list\n`);
    process.exit(2);
  }
  return picked;
}

function machineDescription(): string {
  const c = cpus();
  return `${new Date().toISOString().slice(0, 10)}, ${c.length} × ${c[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, node ${process.version}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const s of all) process.stdout.write(`${s.name.padEnd(32)} ~${s.minutes} min  ${s.claim}\n`);
    return;
  }
  const scenarios = selected(args);
  const dir = resultsDirFor(REPO_ROOT, new Date());
  process.stderr.write(`[proof] ${scenarios.length} scenarios, results in ${dir}\n`);
  const results: ProofResult[] = [];
  for (const s of scenarios) {
    const startedAt = new Date();
    const t0 = Date.now();
    const log = (line: string) => process.stderr.write(`  [${s.name}] ${line}\n`);
    log(`start: ${s.claim}`);
    const base = () => ({
      scenario: s.name,
      kind: s.kind,
      claim: s.claim,
      startedAt: startedAt.toISOString(),
      seconds: (Date.now() - t0) / 1000,
    });
    let r: ProofResult;
    try {
      // Run first: base() reads the clock for the scenario's duration.
      const out = await s.run({ resultsDir: dir, log });
      r = { ...base(), ...out };
    } catch (err) {
      const e = err as Error;
      r = { ...base(), ok: false, summary: '', figures: {}, error: e.message };
      log(`error: ${e.stack ?? e.message}`);
    }
    log(`${r.ok ? 'pass' : 'FAIL'} in ${Math.round(r.seconds)} s: ${r.error ?? r.summary}`);
    writeResult(dir, r);
    results.push(r);
    // Kept current after each scenario, so a run cut short still leaves its summary.
    writeSummary(dir, results, machineDescription());
  }
  process.stdout.write(`\n${summaryTable(results)}\n`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
