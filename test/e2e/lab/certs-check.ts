// `hakube certs check` on the installed lab: a fresh cluster is all ok; a renewBefore window
// longer than the leaves' validity flags every leaf; a certificate from a foreign CA planted in
// the PKI folder is reported as such, and the CLI exits 1 with the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { needsAttention } from '../../../cluster/pki/cert-report';
import { certsScheduleId, ensureCertsCheckSchedule } from '../../../client/certs-schedule';
import { changeSchedule, describeSchedule } from '../../../client/operation-schedule';
import { eventually } from '../../helpers/temporal';
import type { CertsCheckResult } from '../../../workflows/check-certificates';
import { runCli } from '../../helpers/cli';
import { foreignClientCertificate } from '../../helpers/foreign-certificate';
import type { InstalledLab } from './installed-lab';

export function registerCertsCheckTests(ctx: InstalledLab): void {
  test('certs check: all ok after the install; a long renewBefore flags every leaf and fails the scheduled check; a foreign certificate is an unknown CA', async () => {
    const check = async (cluster = ctx.cluster) =>
      ctx.client.result<CertsCheckResult>((await ctx.client.startCertsCheck({ cluster })).workflowId);

    const fresh = await check();
    assert.deepEqual(needsAttention(fresh.rows), []);
    assert.deepEqual(
      [...new Set(fresh.rows.map((r) => r.host))].sort(),
      ctx.cluster.spec.hosts.map((h) => h.name).sort(),
    );
    const on = (host: string, suffix: string) =>
      fresh.rows.find((r) => r.host === host && r.path.endsWith(suffix));
    assert.equal(on('master-2', '/pki/apiserver.crt')?.status, 'ok');
    assert.ok(
      on('master-2', '/pki/apiserver.crt')?.sans.includes(ctx.lab.vip),
      'the VIP is a SAN of the apiserver',
    );
    assert.equal(on('worker-1', '/kubelet-client-current.pem')?.status, 'ok');
    // serverTLSBootstrap: the kubelet's serving certificate comes from the cluster CA too.
    assert.equal(on('worker-1', '/kubelet-server-current.pem')?.status, 'ok');

    const c = ctx.cluster;
    const tight = await check({
      ...c,
      spec: { ...c.spec, certificates: { ...c.spec.certificates, renewBeforeDays: 400 } },
    });
    const leaves = tight.rows.filter((r) => r.profile?.startsWith('certs/') && !r.path.endsWith('ca.crt'));
    assert.ok(leaves.length >= 20, `${leaves.length} leaves`);
    assert.deepEqual([...new Set(leaves.map((r) => r.status))], ['renew-soon']);
    assert.ok(tight.rows.filter((r) => r.path.endsWith('/ca.crt')).every((r) => r.status === 'ok'));

    // The scheduled check fails, visibly, when anything needs attention.
    const tightSpec = {
      ...c,
      spec: { ...c.spec, certificates: { ...c.spec.certificates, renewBeforeDays: 400 } },
    };
    const scheduleId = certsScheduleId(c.metadata.name);
    assert.deepEqual(await ensureCertsCheckSchedule(ctx.client, tightSpec, '0 6 * * *'), {
      id: scheduleId,
      created: true,
    });
    try {
      await changeSchedule(ctx.client, scheduleId, 'trigger');
      const run = await eventually(
        async () => (await describeSchedule(ctx.client, scheduleId)).recentRuns[0],
        30_000,
        'a scheduled check',
      );
      await assert.rejects(ctx.client.result(run.workflowId), (e: unknown) => {
        assert.ok(e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure, String(e));
        assert.equal(e.cause.type, 'CertificatesNeedAttention');
        assert.match(e.cause.message, /certificate\(s\) need attention: .*renew-soon/);
        return true;
      });
    } finally {
      await changeSchedule(ctx.client, scheduleId, 'delete');
    }

    const foreign = await foreignClientCertificate();
    await ctx.on('master-2').ensureFile('/etc/kubernetes/pki/intruder.crt', Buffer.from(foreign.certPem));
    try {
      const r = await runCli(['certs', 'check', '-f', ctx.lab.specPath], {
        TEMPORAL_ADDRESS: ctx.serverAddress,
        HAKUBE_TASK_QUEUE: ctx.taskQueue,
      });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /master-2\s+\/etc\/kubernetes\/pki\/intruder\.crt\s+unknown-ca/);
      assert.match(r.stdout, /1 certificate\(s\) need attention/);
    } finally {
      await ctx.on('master-2').run('rm -f /etc/kubernetes/pki/intruder.crt');
    }
  });
}
