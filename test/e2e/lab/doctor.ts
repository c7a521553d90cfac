// `hakube doctor` on the installed lab: a healthy cluster has nothing above info (through the
// workflow and the CLI); then each problem is caused on a real host, doctor --direct names it on
// that host with its fix, and the host is put right again before the next one.
// Not caused here, because lab machines cannot have them: a shifted clock (the machines share
// the lab host's kernel clock), a full disk (they share its filesystem) and an etcd space alarm;
// the unit tests (test/cluster/doctor/) cover those judges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorDirect } from '../../../client/doctor-direct';
import type { Finding } from '../../../cluster/doctor/finding';
import type { DoctorReport } from '../../../cluster/doctor/report';
import { etcdctl, LOCAL_ETCD } from '../../../cluster/etcdctl';
import { runCli } from '../../helpers/cli';
import { foreignClientCertificate } from '../../helpers/foreign-certificate';
import { eventually } from '../../helpers/temporal';
import type { InstalledLab } from './installed-lab';

const actionable = (r: DoctorReport) => r.findings.filter((f) => f.severity !== 'info');
const named = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.check} ${f.host ?? '-'}`);

export function registerDoctorTests(ctx: InstalledLab): void {
  test('doctor: a healthy cluster reports nothing above info, through the workflow and the CLI', async () => {
    const started = await ctx.client.startDoctor({ cluster: ctx.cluster, specFile: ctx.lab.specPath });
    const report = await ctx.client.result<DoctorReport>(started.workflowId);
    assert.deepEqual(named(actionable(report)), []);
    assert.deepEqual(report.hosts.sort(), ctx.cluster.spec.hosts.map((h) => h.name).sort());
    const cli = await runCli(['doctor', '-f', ctx.lab.specPath], {
      TEMPORAL_ADDRESS: ctx.serverAddress,
      HAKUBE_TASK_QUEUE: ctx.taskQueue,
    });
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /nothing needs action/);
  });

  const direct = () => doctorDirect(ctx.cluster, ctx.lab.specPath);
  /** Causes a problem, expects doctor to name it, and always puts the host right. */
  async function caused(what: {
    cause: () => Promise<unknown>;
    repair: () => Promise<unknown>;
    expect: string[];
    fix: RegExp;
  }) {
    await what.cause();
    try {
      // Until doctor names every expected finding (a stopped service takes seconds to show
      // everywhere); what it said last is in the failure message.
      let last: string[] = [];
      const report = await eventually(
        async () => {
          const r = await direct();
          last = named(actionable(r));
          return what.expect.every((e) => last.includes(e)) ? r : undefined;
        },
        60_000,
        `doctor to report ${what.expect.join(', ')}`,
      ).catch((err: unknown) => assert.fail(`${String(err)}; it reported: ${last.join('; ') || 'nothing'}`));
      const f = report.findings.find((x) => `${x.severity} ${x.check} ${x.host ?? '-'}` === what.expect[0]);
      assert.ok(f);
      assert.match(f.fix, what.fix);
      assert.ok(f.evidence.length > 0 && f.evidence[0].output.length > 0);
      return report;
    } finally {
      await what.repair();
    }
  }

  test('doctor: a stopped etcd member, apiserver, kubelet and keepalived are each named on their host', async () => {
    await caused({
      cause: () => ctx.on('master-3').run('systemctl stop etcd'),
      repair: async () => {
        await ctx.on('master-3').run('systemctl start etcd');
        await eventually(
          async () =>
            (await ctx.on('master-1').exec(etcdctl(LOCAL_ETCD, 'endpoint health --cluster'))).exitCode ===
              0 || undefined,
          60_000,
        );
      },
      expect: ['critical unit/not-active master-3', 'error etcd/member-unhealthy -'],
      fix: /journalctl -u etcd -n 100 on master-3/,
    });
    await caused({
      cause: () => ctx.on('master-2').run('systemctl stop kube-apiserver'),
      repair: () => ctx.on('master-2').run('systemctl start kube-apiserver'),
      expect: ['critical unit/not-active master-2', 'warning endpoint/backend-down master-2'],
      fix: /systemctl restart kube-apiserver on master-2/,
    });
    await caused({
      cause: () => ctx.on('worker-1').run('systemctl stop kubelet'),
      repair: () => ctx.on('worker-1').run('systemctl start kubelet'),
      expect: ['error unit/not-active worker-1'],
      fix: /systemctl restart kubelet on worker-1/,
    });
    const holder = await eventually(async () => {
      for (const h of ['master-1', 'master-2', 'master-3'])
        if ((await ctx.on(h).exec(`ip -4 -o addr show | grep -qw 'inet ${ctx.lab.vip}'`)).exitCode === 0)
          return h;
      return undefined;
    }, 30_000);
    await caused({
      cause: () => ctx.on(holder).run('systemctl stop keepalived'),
      repair: () => ctx.on(holder).run('systemctl start keepalived'),
      expect: [`error unit/not-active ${holder}`],
      fix: new RegExp(`systemctl restart keepalived on ${holder}`),
    });
    // Put right: nothing above info again.
    await eventually(async () => (actionable(await direct()).length === 0 ? true : undefined), 90_000);
  });

  test('doctor: certificates about to expire and one from a foreign CA are named with their fix', async () => {
    const foreign = await foreignClientCertificate();
    await ctx.on('master-2').ensureFile('/etc/kubernetes/pki/intruder.crt', Buffer.from(foreign.certPem));
    try {
      const c = ctx.cluster;
      const tight = {
        ...c,
        spec: { ...c.spec, certificates: { ...c.spec.certificates, renewBeforeDays: 400 } },
      };
      const r = await doctorDirect(tight, ctx.lab.specPath);
      const got = named(actionable(r));
      assert.ok(got.includes('error certificate/unknown-ca master-2'), got.join('\n'));
      assert.ok(
        got.filter((g) => g.startsWith('warning certificate/renew-soon')).length >= 20,
        got.join('\n'),
      );
      assert.match(
        r.findings.find((f) => f.check === 'certificate/renew-soon')?.fix ?? '',
        /hakube certs rotate -f /,
      );
    } finally {
      await ctx.on('master-2').run('rm -f /etc/kubernetes/pki/intruder.crt');
    }
  });
}
