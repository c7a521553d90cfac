// Turns a recording of a hakube install (HAKUBE_SSH_RECORD, activities/ssh/trace.ts) into the
// plan replay.sh runs: every remote command and transfer, in the order hakube started them, one
// line each (tab-separated: seq, kind, address, expect, arg1, arg2):
//   exec      arg1 = file with the command (as sshd ran it, under sh -c), arg2 = stdin file or -
//   upload    arg1 = local file with the bytes, arg2 = remote path
//   download  arg1 = remote path
// expect is `ok` when hakube saw it succeed (exit 0): the script then retries it until it does,
// the way hakube's gates and retries wait for a service; `any` runs it once, whatever it returns.
// The plan lives in the recording folder (0700, deleted after the run: it holds keys).
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { shq } from '../../activities/ssh/shell';
import type { RecordedOp } from '../../activities/ssh/trace';

export interface PlanSummary {
  steps: number;
  execs: number;
  uploads: number;
  downloads: number;
  mustSucceed: number;
  /** Hosts the plan talks to (address → hakube's host name). */
  addresses: Record<string, string>;
  /** Commands changed for the replay, and why. */
  rewritten: { seq: number; why: string }[];
}

/**
 * A kubelet serving CSR gets a random name (csr-xxxxx) each run: the replay cannot approve the
 * name hakube saw, so it approves the oldest pending kubelet-serving CSR at that point instead.
 */
const CSR_APPROVE = /^(.*kubectl [^']*?)certificate approve (csr-[a-z0-9]+)$/;

function pendingServingCsr(kubectl: string): string {
  const list = `${kubectl}get csr --sort-by=.metadata.creationTimestamp -o go-template='{{range .items}}{{if eq .spec.signerName "kubernetes.io/kubelet-serving"}}{{if not .status.conditions}}{{.metadata.name}}{{"\\n"}}{{end}}{{end}}{{end}}'`;
  return `csr=$(${list} | head -n1); [ -n "$csr" ] && ${kubectl}certificate approve "$csr"`;
}

export function readRecording(dir: string): RecordedOp[] {
  return readFileSync(join(dir, 'ops.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as RecordedOp)
    .sort((a, b) => a.seq - b.seq);
}

export function writePlan(dir: string): PlanSummary {
  const ops = readRecording(dir);
  const summary: PlanSummary = {
    steps: 0,
    execs: 0,
    uploads: 0,
    downloads: 0,
    mustSucceed: 0,
    addresses: {},
    rewritten: [],
  };
  const lines: string[] = [];
  for (const op of ops) {
    if (op.port !== 22 || op.user !== 'root') throw new Error(`seq ${op.seq}: replay expects root@host:22`);
    summary.addresses[op.address] = op.host;
    const ok = op.error === undefined && (op.kind !== 'exec' || op.exitCode === 0);
    let arg1: string;
    let arg2 = '-';
    if (op.kind === 'exec') {
      let command = op.command ?? '';
      const csr = CSR_APPROVE.exec(command);
      if (csr) {
        command = pendingServingCsr(csr[1]);
        summary.rewritten.push({
          seq: op.seq,
          why: `approve ${csr[2]} → the oldest pending kubelet-serving CSR`,
        });
      }
      arg1 = `${op.seq}.cmd`;
      writeFileSync(join(dir, arg1), `exec sh -c ${shq(command)}`, { mode: 0o600 });
      if (op.stdinFile) arg2 = op.stdinFile;
      summary.execs++;
    } else if (op.kind === 'upload') {
      arg1 = op.contentFile ? op.contentFile : (op.localPath ?? '');
      if (!arg1 || (!op.contentFile && !isAbsolute(arg1)))
        throw new Error(`seq ${op.seq}: upload without content`);
      if (/['\t\n]/.test(op.remotePath ?? "'")) throw new Error(`seq ${op.seq}: remote path not replayable`);
      arg2 = op.remotePath as string;
      summary.uploads++;
    } else {
      arg1 = op.remotePath ?? '';
      summary.downloads++;
    }
    if (ok) summary.mustSucceed++;
    summary.steps++;
    lines.push([op.seq, op.kind, op.address, ok ? 'ok' : 'any', arg1, arg2].join('\t'));
  }
  writeFileSync(join(dir, 'plan.tsv'), `${lines.join('\n')}\n`, { mode: 0o600 });
  return summary;
}
