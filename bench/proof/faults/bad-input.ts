// input/bad-input: the bad-input corpus through the real CLI (bin/hakube.js, a temporary home),
// pointed at a live dev server and worker and at a lab's spec: invalid specs, bad arguments,
// unknown snapshot ids, approvals of a workflow that is not waiting and of a finished one. Each
// must exit 2 with a message that names the problem, start no workflow (the server's list is the
// same before and after) and change nothing on the lab's hosts (a hash of their files).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli } from '../../../test/helpers/cli';
import { invalidCorpus } from '../../../test/helpers/spec-corpus';
import { makeTempHome } from '../../../test/helpers/temp-home';
import type { LabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import { withLab } from './common';

interface Case {
  name: string;
  args: string[];
  /** What stderr must say (every one of them). */
  says: (string | RegExp)[];
}

interface Outcome {
  name: string;
  code: number;
  ok: boolean;
  message: string;
}

const SFTP_DIR = '/var/backups/pf-bad-input';

/** The lab's spec with its backups on worker-1 over SFTP (the restore then looks there, over SSH). */
function sftpSpec(s: LabSession, home: string): string {
  const doc = parse(readFileSync(s.lab.specPath, 'utf8')) as {
    spec: { etcd: { backup: { target: unknown } } };
  };
  doc.spec.etcd.backup.target = { type: 'sftp', host: 'worker-1', path: SFTP_DIR };
  const file = join(home, 'cluster.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

/** Every file under the folders hakube writes to, hashed (systemd's own timestamps left out). */
const HOST_HASH =
  "cd / && find etc var/lib var/backups usr/local opt root -xdev -type f ! -path 'var/lib/systemd/*' -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum";

async function hostHashes(s: LabSession): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of s.lab.hosts) out[h.name] = (await s.on(h.name).run(HOST_HASH)).stdout.split(' ')[0];
  return out;
}

async function workflowIds(s: LabSession): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of s.client.temporal.workflow.list()) ids.push(`${wf.workflowId}/${wf.runId}`);
  return ids.sort();
}

function cases(spec: string, running: string, finished: string): Case[] {
  const corpus = invalidCorpus().map((c) => ({
    name: `spec ${c.name}`,
    args: ['install', '-f', c.file],
    says: c.expects,
  }));
  return [
    ...corpus,
    { name: 'unknown command', args: ['instal', '-f', spec], says: [/unknown command 'instal'/] },
    { name: 'install without -f', args: ['install'], says: [/required option '-f, --file <file>'/] },
    { name: 'unknown flag', args: ['install', '-f', spec, '--yse'], says: [/unknown option '--yse'/] },
    {
      name: 'missing spec file',
      args: ['install', '-f', '/nonexistent/cluster.yaml'],
      says: ['/nonexistent/cluster.yaml'],
    },
    {
      name: 'unknown phase',
      args: ['install', '-f', spec, '--skip-phases', 'etcd,bogus'],
      says: ['--skip-phases: unknown phase(s) bogus; phases are preflight'],
    },
    {
      name: 'unknown --only phase',
      args: ['install', '-f', spec, '--only', 'nope'],
      says: ['--only: unknown phase(s) nope'],
    },
    {
      name: 'node add unknown',
      args: ['node', 'add', '-f', spec, '--node', 'worker-9'],
      says: ['worker-9 is not a host of the spec'],
    },
    {
      name: 'node remove first master',
      args: ['node', 'remove', '-f', spec, '--node', 'master-1'],
      says: [/keeps the CA keys/],
    },
    {
      name: 'reset unknown node',
      args: ['reset', '-f', spec, '--node', 'worker-9', '--yes'],
      says: [/--node: no host worker-9 in .*; hosts are master-1, master-2, master-3, worker-1, worker-2/],
    },
    {
      name: 'certs rotate a CA',
      args: ['certs', 'rotate', '-f', spec, '--only', 'ca'],
      says: ['--only: unknown ca'],
    },
    {
      name: 'restore without snapshot',
      args: ['restore', '-f', spec],
      says: ['exactly one of --snapshot, --rollback'],
    },
    {
      name: 'restore bad duration',
      args: ['restore', '-f', spec, '--snapshot', 'x', '--approval-timeout', '30'],
      says: ['--approval-timeout: not a duration: "30"'],
    },
    {
      name: 'restore unknown snapshot (SFTP on worker-1)',
      args: ['restore', '-f', spec, '--snapshot', 'etcd-pf-bad-input-20261123T100000Z-r1-00000000', '--yes'],
      says: [`no verified snapshot etcd-pf-bad-input-20261123T100000Z-r1-00000000 at `, 'newest: none'],
    },
    {
      name: 'restore a snapshot id carrying a shell payload',
      args: ['restore', '-f', spec, '--snapshot', 'etcd-pf-bad-input-nope;id', '--yes'],
      says: ['"etcd-pf-bad-input-nope;id" is not a snapshot id'],
    },
    { name: 'reject without reason', args: ['reject', running], says: [/required option '--reason <text>'/] },
    {
      name: 'approve not waiting',
      args: ['approve', running, '--reason', 'proof'],
      says: [running, /not waiting/i],
    },
    { name: 'approve finished', args: ['approve', finished, '--reason', 'proof'], says: [finished] },
    {
      name: 'approve unknown id',
      args: ['approve', 'install-no-such-cluster'],
      says: ['install-no-such-cluster'],
    },
  ];
}

export const badInput: ProofScenario = {
  name: 'input/bad-input',
  kind: 'input',
  claim:
    'every bad input through the real CLI (the invalid-spec corpus, bad arguments, unknown snapshot ids, approvals of a running-but-not-waiting and of a finished workflow) exits 2 naming the problem, starts no workflow and changes nothing on the hosts',
  minutes: 4,
  run: (ctx) =>
    withLab('pf-badinput', ctx.log, async (s) => {
      const home = makeTempHome();
      try {
        const spec = sftpSpec(s, home);
        const env = {
          HOME: home,
          HAKUBE_HOME: join(home, '.hakube'),
          TEMPORAL_ADDRESS: s.server.address,
          HAKUBE_TASK_QUEUE: s.taskQueue,
        };
        await s.on('worker-1').run(`mkdir -p ${SFTP_DIR}`);
        // Workflows to approve: one running and not waiting (a long self-test), one finished.
        const running = (
          await s.client.startSelfTest({ cluster: 'pf-badinput', holdMs: 30 * 60_000 }, 'selftest-pf-running')
        ).workflowId;
        const finished = (await s.client.startSelfTest({ cluster: 'pf-badinput' }, 'selftest-pf-finished'))
          .workflowId;
        await s.client.result(finished);
        // Visibility catches up within a second or two.
        await new Promise((r) => setTimeout(r, 3000));
        const workflowsBefore = await workflowIds(s);
        const hashesBefore = await hostHashes(s);

        const outcomes: Outcome[] = [];
        for (const c of cases(spec, running, finished)) {
          const r = await runCli(c.args, env);
          const missing = c.says.filter((w) =>
            typeof w === 'string' ? !r.stderr.includes(w) : !w.test(r.stderr),
          );
          const message = r.stderr.trim().split('\n')[0] ?? '';
          outcomes.push({ name: c.name, code: r.code, ok: r.code === 2 && missing.length === 0, message });
          if (r.code !== 2 || missing.length)
            ctx.log(
              `${c.name}: exit ${r.code}, missing ${missing.map(String).join(' | ')}\n${r.stdout}${r.stderr}`,
            );
        }
        await new Promise((r) => setTimeout(r, 3000));
        const workflowsAfter = await workflowIds(s);
        const hashesAfter = await hostHashes(s);
        await s.client.handle(running).terminate('proof done');
        const started = workflowsAfter.filter((w) => !workflowsBefore.includes(w));
        const changedHosts = Object.keys(hashesBefore).filter((h) => hashesBefore[h] !== hashesAfter[h]);
        const refused = outcomes.filter((o) => o.ok).length;
        const figures = {
          cases: outcomes.length,
          specCases: invalidCorpus().length,
          exit2WithMessage: refused,
          workflowsStarted: started.length,
          hostsChanged: changedHosts.length,
        };
        return {
          ok: refused === outcomes.length && started.length === 0 && changedHosts.length === 0,
          summary: `${refused}/${outcomes.length} bad inputs (${figures.specCases} invalid specs, ${outcomes.length - figures.specCases} arguments, snapshot ids and approvals) exit 2 naming the problem; workflows started ${started.length}; hosts changed ${changedHosts.length}/${s.lab.hosts.length}`,
          figures,
          details: { outcomes, started, changedHosts },
        };
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }),
};
