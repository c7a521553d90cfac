// security/ssh-refusals: a changed host key and a refused private key stop hakube at once. Shown
// twice on a lab: through the SSH layer (the typed error and whether it is retryable), and through
// a real install workflow (the server's history: failure type, non-retryable, one attempt).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteHost, SshPool, type SshTarget } from '../../../activities/ssh';
import { sshTargetFor } from '../../../activities/ssh-hosts';
import { ErrorTypes } from '../../../cluster/errors';
import type { Cluster } from '../../../cluster/spec';
import { hostByName } from '../../../cluster/topology';
import { workflowHistoryJson } from '../../../test/helpers/temporal';
import { openLabSession, type LabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import { causeTypes, failedActivities, type FailedActivity } from './failed-activities';
import { scanSession } from './session-scan';

const LAB = 'pb-sshref';

interface LayerCase {
  case: string;
  expected: string;
  got: string;
  retryable: boolean | undefined;
  ok: boolean;
}

/** What one exec through hakube's SSH layer throws (or "connected"). */
async function layerOutcome(target: SshTarget, expected: string, name: string): Promise<LayerCase> {
  const pool = new SshPool();
  try {
    await new RemoteHost(pool, target).exec('true');
    return { case: name, expected, got: 'connected', retryable: undefined, ok: false };
  } catch (err) {
    const e = err as Error & { retryable?: boolean };
    return {
      case: name,
      expected,
      got: e.name,
      retryable: e.retryable,
      ok: e.name === expected && e.retryable === false,
    };
  } finally {
    pool.closeAll();
  }
}

/** master-1's known_hosts line now holds worker-1's key: what a reinstalled (or impersonated) host shows. */
function alteredKnownHosts(session: LabSession, file: string): void {
  const lines = readFileSync(session.lab.knownHostsPath, 'utf8').trim().split('\n');
  const addr = (n: string) => session.lab.hosts.find((h) => h.name === n)?.address;
  const other = lines.find((l) => l.split(' ')[0] === addr('worker-1'));
  if (!other) throw new Error('worker-1 is not in the lab known_hosts');
  const altered = lines.map((l) =>
    l.split(' ')[0] === addr('master-1') ? `${addr('master-1')} ${other.split(' ').slice(1).join(' ')}` : l,
  );
  writeFileSync(file, `${altered.join('\n')}\n`, { mode: 0o600 });
}

interface WorkflowCase {
  case: string;
  expected: string;
  seconds: number;
  causes: string[];
  failed: FailedActivity[];
  scheduled: number;
  ok: boolean;
}

async function workflowOutcome(
  session: LabSession,
  cluster: Cluster,
  expected: string,
  name: string,
): Promise<WorkflowCase> {
  const t0 = Date.now();
  const started = await session.client.startInstall({ cluster });
  const err = await session.client.result(started.workflowId).then(
    () => undefined,
    (e: unknown) => e,
  );
  const seconds = (Date.now() - t0) / 1000;
  const { scheduled, failed } = failedActivities(
    workflowHistoryJson(session.server.address, started.workflowId),
  );
  const causes = err ? causeTypes(err) : ['completed'];
  const ok =
    causes.includes(expected) &&
    failed.length > 0 &&
    failed.every((f) => f.type === expected && f.nonRetryable && f.attempts === 1);
  return { case: name, expected, seconds, causes, failed, scheduled, ok };
}

const withSsh = (c: Cluster, ssh: Partial<Cluster['spec']['ssh']>): Cluster => ({
  ...c,
  spec: { ...c.spec, ssh: { ...c.spec.ssh, ...ssh } },
});

export const sshRefusals: ProofScenario = {
  name: 'security/ssh-refusals',
  kind: 'security',
  claim:
    'a changed host key (HostKeyMismatch) and a refused private key (AuthenticationFailed) stop hakube at once: ' +
    'non-retryable typed errors in the SSH layer, and an install workflow that fails after one attempt',
  minutes: 3,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'hakube-proof-sshref-'));
    const session = await openLabSession({ name: LAB, masters: 1, workers: 1, log: ctx.log });
    try {
      const known = join(dir, 'known_hosts');
      alteredKnownHosts(session, known);
      const knownBefore = readFileSync(known, 'utf8');
      const wrongKey = join(dir, 'wrong_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-authorized', '-f', wrongKey]);
      writeFileSync(join(dir, 'empty_known_hosts'), '');
      const base = sshTargetFor(session.cluster, hostByName(session.cluster, 'master-1'));
      const layer = [
        await layerOutcome(
          { ...base, knownHostsPath: known },
          ErrorTypes.HostKeyMismatch,
          'host key changed (TOFU policy)',
        ),
        await layerOutcome(
          { ...base, knownHostsPath: known, hostKeyPolicy: 'strict' },
          ErrorTypes.HostKeyMismatch,
          'host key changed (strict)',
        ),
        await layerOutcome(
          { ...base, knownHostsPath: join(dir, 'empty_known_hosts'), hostKeyPolicy: 'strict' },
          ErrorTypes.HostKeyUnknown,
          'unknown host (strict)',
        ),
        await layerOutcome(
          { ...base, privateKeyPath: wrongKey },
          ErrorTypes.AuthenticationFailed,
          'key not authorized',
        ),
      ];
      const control = await layerOutcome(base, 'connected', 'the lab key and known_hosts');
      const knownKept = readFileSync(known, 'utf8') === knownBefore;
      ctx.log(`SSH layer: ${layer.map((l) => `${l.case} → ${l.got} (retryable ${l.retryable})`).join('; ')}`);

      const flows = [
        await workflowOutcome(
          session,
          withSsh(session.cluster, { knownHosts: { path: known, policy: 'trust-on-first-use' } }),
          ErrorTypes.HostKeyMismatch,
          'install, master-1 host key changed',
        ),
        await workflowOutcome(
          session,
          withSsh(session.cluster, { privateKeyPath: wrongKey }),
          ErrorTypes.AuthenticationFailed,
          'install, key not authorized',
        ),
      ];
      for (const f of flows)
        ctx.log(
          `${f.case}: failed in ${f.seconds.toFixed(1)} s, ${f.failed.map((a) => `${a.summary || a.activity}: ${a.type} nonRetryable=${a.nonRetryable} attempts=${a.attempts}`).join('; ')}`,
        );
      const scan = scanSession(session, [
        { what: 'the unauthorized test key', pem: readFileSync(wrongKey, 'utf8') },
      ]);
      const ok =
        layer.every((l) => l.ok) &&
        control.got === 'connected' &&
        knownKept &&
        flows.every((f) => f.ok) &&
        scan.findings.length === 0;
      const fig = (f: WorkflowCase) =>
        `${f.expected} in ${f.seconds.toFixed(1)} s, ${f.failed.length} failed activit${f.failed.length === 1 ? 'y' : 'ies'}, max attempts ${Math.max(0, ...f.failed.map((a) => a.attempts))}`;
      return {
        ok,
        summary:
          `SSH layer: ${layer.filter((l) => l.ok).length}/${layer.length} refusals typed and non-retryable` +
          `${knownKept ? ', known_hosts left as it was' : ', known_hosts REWRITTEN'}; ` +
          `workflows: ${flows.map(fig).join('; ')}; history scan: ${scan.findings.length} secrets`,
        figures: {
          layerCasesOk: layer.filter((l) => l.ok).length,
          layerCases: layer.length,
          knownHostsUnchanged: knownKept,
          hostKeyWorkflowSeconds: Number(flows[0].seconds.toFixed(1)),
          authWorkflowSeconds: Number(flows[1].seconds.toFixed(1)),
          maxAttempts: Math.max(0, ...flows.flatMap((f) => f.failed.map((a) => a.attempts))),
          historySecretsFound: scan.findings.length,
        },
        details: { layer, control, flows, historyScan: scan },
      };
    } finally {
      await session.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
