// security/cis: on a freshly installed lab (3 control-plane + 2 workers), every CIS Kubernetes
// Benchmark row of cis-rows.ts checked on the hosts it applies to — the running processes'
// flags, the kubelet and kube-proxy configurations, file modes — or reported as its written
// exception; the table is printed and kept (cis.md in the results folder).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaneHosts, etcdHosts } from '../../../cluster/topology';
import type { RemoteHost } from '../../../activities/ssh';
import { openLabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import {
  CIS_CONFIG_PATHS,
  CIS_MODE_PATHS,
  CIS_ROWS,
  evaluateCisRows,
  parseFlags,
  type HostFacts,
} from './cis-rows';
import { runInstall } from './install-run';

const LAB = 'pb-cis';
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

async function factsOf(host: RemoteHost, controlPlane: boolean, etcd: boolean): Promise<HostFacts> {
  const flags: HostFacts['flags'] = {};
  for (const c of COMPONENTS) {
    const r = await host.exec(`p=$(pidof -s ${c}) && base64 -w0 /proc/$p/cmdline`);
    if (r.exitCode === 0) flags[c] = parseFlags(Buffer.from(r.stdout.trim(), 'base64').toString());
  }
  const configs: HostFacts['configs'] = {};
  for (const path of CIS_CONFIG_PATHS) {
    const text = (await host.readFile(path))?.toString();
    if (text !== undefined) configs[path] = text;
  }
  const modes: HostFacts['modes'] = {};
  const stat = await host.exec(`stat -c '%n|%a %U:%G' ${CIS_MODE_PATHS.join(' ')} 2>/dev/null; true`);
  for (const line of stat.stdout.split('\n').filter(Boolean)) {
    const [path, mode] = line.split('|');
    modes[path] = mode;
  }
  return { host: host.name, controlPlane, etcd, flags, configs, modes };
}

export const cisScenario: ProofScenario = {
  name: 'security/cis',
  kind: 'security',
  claim:
    'on an installed lab, every CIS Kubernetes Benchmark row hakube answers for passes on every host it applies to (process flags, kubelet and kube-proxy configuration, file modes), or is a written exception',
  minutes: 6,
  async run(ctx) {
    const session = await openLabSession({ name: LAB, log: ctx.log });
    try {
      const { cluster } = session;
      const install = await runInstall(session, ctx.log);
      const cp = new Set(controlPlaneHosts(cluster).map((h) => h.name));
      const etcd = new Set(etcdHosts(cluster).map((h) => h.name));
      const facts: HostFacts[] = [];
      for (const h of cluster.spec.hosts)
        facts.push(await factsOf(session.on(h.name), cp.has(h.name), etcd.has(h.name)));
      const rows = evaluateCisRows(CIS_ROWS, facts);
      const table = [
        '| Row | Control | Status | Evidence |',
        '| --- | --- | --- | --- |',
        ...rows.map((r) => `| ${r.id} | ${r.control} | ${r.status} | ${r.evidence.replace(/\|/g, '\\|')} |`),
      ];
      writeFileSync(join(ctx.resultsDir, 'cis.md'), `${table.join('\n')}\n`);
      for (const r of rows) ctx.log(`${r.status.padEnd(9)} ${r.id.padEnd(9)} ${r.control} — ${r.evidence}`);
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      return {
        ok: count('FAIL') === 0,
        summary: `${count('pass')} rows pass on every host they apply to, ${count('exception')} written exceptions, ${count('FAIL')} failed (${cluster.spec.hosts.length} hosts; table in cis.md)`,
        figures: {
          installSeconds: Number(install.wallSeconds.toFixed(1)),
          rowsPass: count('pass'),
          rowsException: count('exception'),
          rowsFailed: count('FAIL'),
        },
        details: rows,
      };
    } finally {
      await session.close();
    }
  },
};
