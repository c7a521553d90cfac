// Where the histories to scan come from: every execution on a proof scenario's dev server (listed,
// then shown; each scenario has a dev server of its own, removed when it closes, so the scan runs
// before that), and the recorded histories the replay tests keep under test/histories. The scans
// of this process are kept so `security/history-secrets` can report them all.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalBinary } from '../../../client/server/temporal-binary';
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import {
  addScans,
  NO_SCAN,
  scanHistory,
  type KnownSecret,
  type ScanResult,
} from '../../../test/helpers/history-scan';

interface ListedExecution {
  execution: { workflowId: string; runId: string };
  type?: { name?: string };
}

const temporal = (args: string[]) =>
  execFileSync(ensureTemporalBinary(), args, { maxBuffer: 256 * 2 ** 20 }).toString();

/** Every execution (all workflow ids, all runs) on the dev server at `address`. */
export function listExecutions(address: string): ListedExecution[] {
  return temporal(['workflow', 'list', '--address', address, '-o', 'jsonl'])
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ListedExecution);
}

export interface LabeledScan extends ScanResult {
  source: string;
  /** workflowId/type of each history scanned. */
  scanned: string[];
}

export function scanDevServer(address: string, source: string, known: KnownSecret[]): LabeledScan {
  let total = NO_SCAN;
  const scanned: string[] = [];
  for (const e of listExecutions(address)) {
    const { workflowId, runId } = e.execution;
    const json = workflowHistoryJson(address, workflowId, ['-r', runId]);
    total = addScans(total, scanHistory(workflowId, json, known));
    scanned.push(`${workflowId} (${e.type?.name ?? '?'})`);
  }
  return { ...total, source, scanned };
}

export function scanRecordedHistories(dir: string): LabeledScan {
  let total = NO_SCAN;
  // Kept histories of earlier releases too (kept/<date-commit>/…).
  const scanned = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const f of scanned) total = addScans(total, scanHistory(f, readFileSync(join(dir, f), 'utf8'), []));
  return { ...total, source: `recorded histories in ${dir}`, scanned };
}

const scansThisRun: LabeledScan[] = [];

/** Keeps a scan for `security/history-secrets`, and says in one line what it found. */
export function keepScan(scan: LabeledScan): string {
  scansThisRun.push(scan);
  return describeScan(scan);
}

export function keptScans(): LabeledScan[] {
  return [...scansThisRun];
}

export function describeScan(s: LabeledScan): string {
  const found = s.findings.length
    ? `FOUND ${s.findings.map((f) => `${f.what} in ${f.history}`).join('; ')}`
    : 'nothing found';
  const opaque = s.opaquePayloads ? `, ${s.opaquePayloads} opaque payloads unread` : '';
  return `${s.histories} histories (${s.events} events, ${s.payloads} payloads decoded${opaque}): ${found}`;
}
