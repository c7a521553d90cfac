// Certificate rotation on the installed lab. Every leaf is first re-issued with a 2-day validity
// (a forced rotation), so `certs check` with renewBefore 7 flags them; `certs rotate` then renews
// exactly those with a rolling restart while a client writes to etcd every 100 ms: no write fails
// for longer than one election timeout, the servers present the new serials, and the history
// holds no private key. Last, a host made unreachable during its turn stops the rollout with its
// previous certificates back in place and the hosts after it untouched. Then the etcd CA itself is
// replaced under the same write load, and a client certificate of the old CA is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { etcdctl } from '../../../cluster/etcdctl';
import type { CertReportRow } from '../../../cluster/pki/cert-report';
import { parseServedSerial, profileKind, ROTATABLE_KINDS, sameSerial } from '../../../cluster/pki/rotation';
import type { OperationProgress } from '../../../cluster/progress';
import type { Cluster } from '../../../cluster/spec';
import { apiserverPort, etcdHosts } from '../../../cluster/topology';
import { labHeal, labPartition } from '../../../lab';
import type { CertsCheckResult } from '../../../workflows/check-certificates';
import type { RotateResult } from '../../../workflows/rotate-certificates';
import type { RotateCaResult } from '../../../workflows/rotate-ca';
import { eventually } from '../../helpers/temporal';
import { assertRanAsPlanned, checkedHistory, longLabTest, type InstalledLab } from './installed-lab';
import { planPhases } from '../../../cluster/plan/phases';
import { ROTATE_PHASES } from '../../../cluster/plan/certificates';

/** The election timeout of hakube's etcd members (cluster/render/etcd.ts). */
const ELECTION_TIMEOUT_MS = 2500;

function withValidity(c: Cluster, leafValidityDays: number, renewBeforeDays: number): Cluster {
  return {
    ...c,
    spec: { ...c.spec, certificates: { ...c.spec.certificates, leafValidityDays, renewBeforeDays } },
  };
}

const rotatable = (r: CertReportRow) =>
  r.profile !== undefined && ROTATABLE_KINDS.includes(profileKind(r.profile));

export function registerCertsRotateTests(ctx: InstalledLab): void {
  async function certRows(cluster: Cluster): Promise<CertReportRow[]> {
    const started = await ctx.client.startCertsCheck({ cluster });
    return (await ctx.client.result<CertsCheckResult>(started.workflowId)).rows;
  }

  const serialOf = (rows: CertReportRow[], profile: string) =>
    rows.find((r) => r.profile === profile)?.serial;

  function stepStatus(p: OperationProgress, key: string): string | undefined {
    return p.phases.flatMap((ph) => ph.steps).find((s) => s.key === key)?.status;
  }

  /**
   * Runs `during` while a client on master-1 writes to etcd every 100 ms (logging each outcome with
   * its time); then asserts no write failed for longer than one election timeout.
   */
  async function whileEtcdTakesWrites(what: string, during: () => Promise<void>): Promise<void> {
    const m1 = ctx.on('master-1');
    const endpoints = etcdHosts(ctx.cluster)
      .map((h) => `https://${h.address}:2379`)
      .join(',');
    const put = etcdctl(endpoints, '--command-timeout=2s put /hakube-rotate/last "$t"');
    await m1.run('rm -f /tmp/writer.stop /tmp/writer.log');
    await m1.run(
      `nohup bash -c 'while [ ! -e /tmp/writer.stop ]; do t=$(date +%s%3N); if ${put} >/dev/null 2>&1; then echo "$t ok"; else echo "$t fail"; fi; sleep 0.1; done' >/tmp/writer.log 2>&1 &`,
    );
    try {
      await during();
    } finally {
      await m1.run('touch /tmp/writer.stop; sleep 1');
    }
    const log = (await m1.run('cat /tmp/writer.log')).stdout.trim().split('\n');
    const writes = log
      .map((l) => l.split(' '))
      .map(([t, outcome]) => ({ t: Number(t), ok: outcome === 'ok' }));
    // The longest time from a failed write to the next successful one.
    let worst = 0;
    let failingSince: number | undefined;
    for (const w of writes) {
      if (!w.ok) failingSince ??= w.t;
      else if (failingSince !== undefined) {
        worst = Math.max(worst, w.t - failingSince);
        failingSince = undefined;
      }
    }
    process.stderr.write(
      `  [${what}] ${writes.length} writes, ${writes.filter((w) => !w.ok).length} failed, longest failing stretch ${worst} ms\n`,
    );
    assert.ok(writes.length > 100, `only ${writes.length} writes`);
    assert.equal(failingSince, undefined, 'writes were still failing at the end');
    assert.ok(worst <= ELECTION_TIMEOUT_MS, `writes failed for ${worst} ms`);
  }

  test('rotate: every leaf re-issued with 2 days of validity; certs check (renewBefore 7) flags them all', async () => {
    const short = withValidity(ctx.cluster, 2, 7);
    const started = await ctx.client.startCertsRotate({ cluster: short, force: true, approvedBy: 'e2e' });
    const result = await ctx.client.result<RotateResult>(started.workflowId);
    assert.deepEqual(
      result.hosts.map((h) => h.host).sort(),
      ctx.cluster.spec.hosts.map((h) => h.name).sort(),
    );
    const rows = (await certRows(short)).filter(rotatable);
    assert.ok(rows.length >= 5 * 2, `only ${rows.length} rotatable certificates`);
    assert.deepEqual(
      rows.filter((r) => r.status !== 'renew-soon').map((r) => `${r.host} ${r.path} ${r.status}`),
      [],
    );
    assert.ok(rows.every((r) => (r.daysLeft ?? 99) <= 2));
  });

  test('rotate: the flagged ones are renewed with a rolling restart; etcd takes writes throughout; the new serials are served', async () => {
    const cluster = withValidity(ctx.cluster, 365, 7);
    let result: RotateResult | undefined;
    await whileEtcdTakesWrites('rotate', async () => {
      const started = await ctx.client.startCertsRotate({ cluster, approvedBy: 'e2e' });
      result = await ctx.client.result<RotateResult>(started.workflowId);
      checkedHistory(ctx, started.workflowId, 'rotate-certificates-lab.json');
      await assertRanAsPlanned(ctx.client, started.workflowId, planPhases(ROTATE_PHASES, {}));
    });
    const m1 = ctx.on('master-1');
    assert.ok(result);
    assert.deepEqual(
      result.hosts.map((h) => h.host).sort(),
      ctx.cluster.spec.hosts.map((h) => h.name).sort(),
    );
    const rows = (await certRows(cluster)).filter(rotatable);
    assert.deepEqual(
      rows.filter((r) => r.status !== 'ok').map((r) => `${r.host} ${r.path} ${r.status}`),
      [],
    );
    // What the servers present, asked from another host: the renewed serials.
    const m2 = result.hosts.find((h) => h.host === 'master-2');
    assert.ok(m2);
    for (const [port, profile] of [
      [2379, 'certs/etcd-server/master-2'],
      [apiserverPort(ctx.cluster), 'certs/apiserver/master-2'],
    ] as [number, string][]) {
      const address = ctx.cluster.spec.hosts.find((h) => h.name === 'master-2')?.address;
      const client =
        port === 2379
          ? '--cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key'
          : '';
      const r = await m1.run(
        `curl -k -s -o /dev/null --max-time 5 ${client} -w '%{certs}' https://${address}:${port}/`,
      );
      const renewed = m2.renewed.find((c) => c.profile === profile)?.serial;
      assert.ok(
        renewed && sameSerial(parseServedSerial(r.stdout) ?? '', renewed),
        `${profile} on port ${port}`,
      );
    }
  });

  test('rotate: master-2 unreachable during its turn stops the rollout with its previous certificates back', async () => {
    const before = await certRows(ctx.cluster);
    const started = await ctx.client.startCertsRotate({
      cluster: ctx.cluster,
      force: true,
      only: ['etcd-server', 'etcd-peer'],
      approvedBy: 'e2e',
      healthTimeoutMs: 20_000,
    });
    await eventually(
      async () =>
        stepStatus(await ctx.client.progress(started.workflowId), 'rollout/renew/master-2') === 'done',
      5 * 60_000,
      "master-2's renewal",
      100,
    );
    await labPartition(ctx.lab.name, 'master-2');
    try {
      await eventually(
        async () => stepStatus(await ctx.client.progress(started.workflowId), 'rollout/restore/master-2'),
        3 * 60_000,
        'the rollback on master-2 to start',
      );
    } finally {
      await labHeal(ctx.lab.name, 'master-2');
    }
    const err = await ctx.client.result(started.workflowId).then(
      () => assert.fail('the rotation completed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    assert.equal(err.cause.type, 'RotationFailed');
    assert.match(
      err.cause.message,
      /gate on master-2 failed.*previous certificates are back.*not touched: master-3/,
    );
    const after = await eventually(
      async () => {
        const rows = await certRows(ctx.cluster);
        return rows.some((r) => r.status === 'unreachable') ? undefined : rows;
      },
      60_000,
      'every host readable again',
    );
    for (const profile of [
      'certs/etcd-server/master-2',
      'certs/etcd-peer/master-2',
      'certs/etcd-server/master-3',
    ])
      assert.equal(serialOf(after, profile), serialOf(before, profile), `${profile} is the one from before`);
    assert.notEqual(
      serialOf(after, 'certs/etcd-server/master-1'),
      serialOf(before, 'certs/etcd-server/master-1'),
    );
    // etcd is whole again.
    await eventually(
      async () => {
        const r = await ctx
          .on('master-1')
          .exec(etcdctl('https://127.0.0.1:2379', 'endpoint health --cluster'));
        return ((r.stdout + r.stderr).match(/is healthy/g) ?? []).length === 3 || undefined;
      },
      60_000,
      'three healthy members',
    );
  });

  test(
    'rotate-ca: the etcd CA is replaced while etcd takes writes; the old CA is trusted no more',
    { skip: longLabTest() },
    async () => {
      const caFile = '/etc/kubernetes/pki/etcd/ca.crt';
      const masters = etcdHosts(ctx.cluster).map((h) => h.name);
      const sha = async (host: string) =>
        (await ctx.on(host).run(`sha256sum ${caFile}`)).stdout.split(' ')[0];
      const before = await sha('master-1');
      let result: RotateCaResult | undefined;
      await whileEtcdTakesWrites('rotate-ca', async () => {
        const started = await ctx.client.startCaRotation({
          cluster: ctx.cluster,
          ca: 'etcd-ca',
          approvedBy: 'e2e',
        });
        result = await ctx.client.result<RotateCaResult>(started.workflowId);
        checkedHistory(ctx, started.workflowId, 'rotate-ca-lab.json');
      });
      assert.ok(result?.staged);
      assert.notEqual(result.staged.newFingerprint, result.staged.oldFingerprint);
      // Every member trusts one CA, the same new one.
      const after = await Promise.all(masters.map(sha));
      assert.equal(new Set(after).size, 1);
      assert.notEqual(after[0], before);
      for (const h of masters)
        assert.equal((await ctx.on(h).run(`grep -c 'BEGIN CERTIFICATE' ${caFile}`)).stdout.trim(), '1', h);
      // Every certificate the etcd CA signs verifies against the new one.
      const rows = (await certRows(ctx.cluster)).filter((r) =>
        /^certs\/(etcd|apiserver-etcd)/.test(r.profile ?? ''),
      );
      assert.ok(rows.length >= masters.length * 4);
      assert.deepEqual(
        rows.filter((r) => r.status !== 'ok').map((r) => `${r.host} ${r.path} ${r.status}`),
        [],
      );
      // A client certificate of the old CA (kept aside by the re-issue) is refused now; the new one works.
      const client = '/etc/kubernetes/pki/etcd/healthcheck-client';
      const old = await ctx
        .on('master-1')
        .exec(
          `/usr/local/bin/etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${caFile} --cert=${client}.crt.before-rotate-${result.stamp} --key=${client}.key.before-rotate-${result.stamp} --command-timeout=5s get /hakube-rotate/last`,
        );
      assert.notEqual(old.exitCode, 0, 'a client of the old CA was let in');
      const current = await ctx
        .on('master-1')
        .exec(etcdctl('https://127.0.0.1:2379', 'get /hakube-rotate/last'));
      assert.equal(current.exitCode, 0, current.stderr);
      const readyz = await ctx
        .on('master-2')
        .run('/usr/local/bin/kubectl --kubeconfig=/etc/kubernetes/admin.conf get --raw /readyz');
      assert.equal(readyz.stdout.trim(), 'ok');
    },
  );
}
