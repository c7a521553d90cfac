// bench/baseline: hakube's install against the same install done by a plain sequential shell
// script (bench/baseline/replay.sh). hakube installs a fresh lab with its worker recording every
// remote command and uploaded file (HAKUBE_SSH_RECORD, into a 0700 folder deleted at the end: it
// holds keys); the lab is torn down and booted again under the same name (same addresses: the
// subnet is picked from the lab name's hash), and the script redoes the recorded work with ssh,
// one step at a time. Both clusters are judged by the same checks; the figure is the wall-time
// ratio hakube / baseline.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { labDown, labUp } from '../../../lab';
import { REPO_ROOT } from '../../../test/helpers/temp-home';
import { writePlan } from '../../baseline/plan';
import { openLabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import { installFigures } from './bench-install';
import { clusterHealth, labCluster, type ClusterHealth } from './cluster-health';
import { runInstall } from './install-run';
import { readTrace } from './intervals';
import { secretsInRecording } from './recording-secrets';
import { scanSession } from './session-scan';
import { withWorkerEnv } from './worker-env';

const LAB = 'pb-base';
const SCRIPT = join(REPO_ROOT, 'bench', 'baseline', 'replay.sh');
/** How long the script retries a step hakube saw succeed before it gives up. */
const RETRY_SECONDS = 300;

function runScript(args: string[], log: (l: string) => void): Promise<number | null> {
  const child = spawn('bash', [SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  createInterface({ input: child.stderr }).on('line', log);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** hakube's install of a fresh lab, recorded into `rec`; its history scanned for what it carried. */
async function hakubeInstall(rec: string, log: (l: string) => void) {
  const traceFile = join(rec, 'ssh-trace.jsonl');
  const session = await withWorkerEnv({ HAKUBE_SSH_RECORD: rec, HAKUBE_SSH_TRACE: traceFile }, () =>
    openLabSession({ name: LAB, log }),
  );
  try {
    const install = await runInstall(session, log);
    const health = await clusterHealth(session);
    const secrets = secretsInRecording(rec);
    const scan = scanSession(session, secrets.keys, secrets.tokens);
    const figures = installFigures(install, readTrace(traceFile));
    log(`hakube: ${figures.summary}; ${describeHealth(health)}`);
    return { install, health, scan, figures, keys: secrets.keys.length, tokens: secrets.tokens.length / 2 };
  } finally {
    await session.close();
  }
}

const describeHealth = (h: ClusterHealth) =>
  `/readyz ${h.readyz || '(none)'}, ${h.healthyMembers} healthy etcd members, ${h.nodes} nodes`;

export const benchBaseline: ProofScenario = {
  name: 'bench/baseline',
  kind: 'bench',
  claim:
    'the same install by a plain sequential ssh script (bench/baseline/replay.sh replaying the remote commands and ' +
    'uploads hakube recorded, one at a time, on a fresh lab with the same addresses): both clusters checked, ratio hakube / baseline',
  minutes: 30,
  async run(ctx) {
    const rec = mkdtempSync(join(tmpdir(), 'hakube-record-'));
    chmodSync(rec, 0o700);
    try {
      const hakube = await hakubeInstall(rec, ctx.log);
      const plan = writePlan(rec);
      ctx.log(
        `plan: ${plan.steps} steps (${plan.execs} commands, ${plan.uploads} uploads, ${plan.downloads} downloads), ` +
          `${plan.rewritten.length} rewritten`,
      );
      const lab = await labUp({
        name: LAB,
        masters: 3,
        workers: 2,
        onProgress: (l) => ctx.log(`[lab] ${l}`),
      });
      const target = labCluster(lab.specPath);
      try {
        const moved = Object.keys(plan.addresses).filter((a) => !lab.hosts.some((h) => h.address === a));
        if (moved.length)
          throw new Error(`the fresh lab has other addresses (${moved.join(', ')} gone): no replay`);
        const t0 = Date.now();
        const code = await runScript(
          [rec, lab.sshKeyPath, lab.knownHostsPath, String(RETRY_SECONDS)],
          ctx.log,
        );
        const baselineSeconds = (Date.now() - t0) / 1000;
        const health = code === 0 ? await clusterHealth(target) : undefined;
        const ok = hakube.health.ok && code === 0 && health?.ok === true && hakube.scan.findings.length === 0;
        const ratio = hakube.install.wallSeconds / baselineSeconds;
        const baselineText =
          code === 0
            ? `baseline ${baselineSeconds.toFixed(0)} s (${plan.steps} steps one by one; ${describeHealth(health as ClusterHealth)})`
            : `baseline FAILED (script exit ${code} after ${baselineSeconds.toFixed(0)} s)`;
        return {
          ok,
          summary:
            `hakube ${hakube.install.wallSeconds.toFixed(0)} s (${describeHealth(hakube.health)}); ${baselineText}; ` +
            `ratio hakube/baseline ${code === 0 ? ratio.toFixed(2) : 'n/a'}`,
          figures: {
            hakubeSeconds: Number(hakube.install.wallSeconds.toFixed(1)),
            baselineSeconds: Number(baselineSeconds.toFixed(1)),
            ratio: code === 0 ? Number(ratio.toFixed(3)) : 'n/a',
            baselineOk: code === 0 && health?.ok === true,
            steps: plan.steps,
            commands: plan.execs,
            uploads: plan.uploads,
            rewrittenSteps: plan.rewritten.length,
            hakubeOverheadRatio: hakube.figures.figures.overheadRatio,
            historySecretsFound: hakube.scan.findings.length,
            historyKeysSearched: hakube.keys,
            historyTokensSearched: hakube.tokens,
          },
          details: {
            hakube: { ...hakube.figures, health: hakube.health },
            baseline: { exitCode: code, health, rewritten: plan.rewritten, addresses: plan.addresses },
            historyScan: hakube.scan,
          },
        };
      } finally {
        target.close();
        await labDown({ name: LAB }).catch(() => undefined);
      }
    } finally {
      rmSync(rec, { recursive: true, force: true });
    }
  },
};
