// `hakube doctor` as a workflow (workflows/doctor.ts) under the real bundle with stand-in
// activities: every host is looked at, a host that cannot be reached is a finding and gets no
// certificate step, the cluster is read through a control-plane host whose apiserver answers,
// and the report is the one the pure judge makes (so `--direct` says the same).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClusterView, HostLook } from '../../cluster/doctor/cluster-findings';
import { parseDoctorProbe } from '../../cluster/doctor/probe';
import type { DoctorReport } from '../../cluster/doctor/report';
import { pkiCluster } from '../helpers/pki-cluster';
import { probeOutput } from '../cluster/doctor/fixtures';
import { noTestServer, recordIfAsked, standInWorker, startTimeSkipping } from '../helpers/time-skipping';

const TASK_QUEUE = 'hakube-test-doctor';
const cluster = pkiCluster();
const AT = '2026-12-06T10:00:00.000Z';
let env: TestWorkflowEnvironment;

before(async () => {
  if (!noTestServer()) env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

test(
  'doctor looks at every host, reads the cluster through an answering apiserver, and reports',
  { skip: noTestServer(), timeout: 120_000 },
  async () => {
    const calls: string[] = [];
    const worker = await standInWorker(env, TASK_QUEUE, {
      probeHostForDoctor: async ({ host }: { host: string }): Promise<HostLook> => {
        calls.push(`probe ${host}`);
        if (host === 'worker-1') return { host, error: 'connect ETIMEDOUT', at: AT };
        const probe = parseDoctorProbe(
          probeOutput({ addresses: host === 'master-1' ? undefined : ['10.1.1.99/24'] }),
        );
        if (host === 'master-1' && probe.controlPlane) probe.controlPlane.readyz = '[-]etcd failed';
        return { host, probe, skewMs: 0, roundTripMs: 10, at: AT };
      },
      checkHostCertificates: async ({ host }: { host: string }) => {
        calls.push(`certificates ${host}`);
        return [{ host, path: '/etc/kubernetes/pki/apiserver.crt', sans: [], status: 'ok' }];
      },
      readClusterView: async ({ host }: { host: string }): Promise<ClusterView> => {
        calls.push(`cluster via ${host}`);
        return {
          via: host,
          at: AT,
          etcdHealth: [
            { endpoint: 'https://10.1.1.11:2379', health: true },
            { endpoint: 'https://10.1.1.12:2379', health: true },
            { endpoint: 'https://10.1.1.13:2379', health: true },
          ],
        };
      },
    });
    const report = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('doctor', {
        taskQueue: TASK_QUEUE,
        workflowId: 'doctor-pki',
        args: [{ cluster, specFile: 'pki.yaml' }],
      });
      const r = (await handle.result()) as DoctorReport;
      await recordIfAsked('doctor-stand-ins.json', handle);
      return r;
    });
    assert.deepEqual(calls.filter((c) => c.startsWith('certificates')).sort(), [
      'certificates master-1',
      'certificates master-2',
      'certificates master-3',
    ]);
    assert.ok(calls.includes('cluster via master-2'), calls.join('\n'));
    const checks = report.findings
      .filter((f) => f.severity !== 'info')
      .map((f) => `${f.check} ${f.host ?? '-'}`);
    assert.ok(checks.includes('host/unreachable worker-1'), checks.join('\n'));
    assert.ok(checks.includes('apiserver/not-ready master-1'), checks.join('\n'));
    assert.equal(report.cluster, 'pki');
    assert.equal(report.actionable, report.findings.filter((f) => f.severity !== 'info').length);
  },
);
