// What `hakube doctor` reads, as activities (the workflow) and as plain functions (`--direct`).
// Read-only: nothing here changes a host. A host that cannot be reached is a result, not a
// failure: the report says so and goes on with the others.
import { kubectl } from '../controlplane/control-plane';
import { readEndpointHealth } from '../etcd/read-cluster';
import type { ClusterView, HostLook } from '../../cluster/doctor/cluster-findings';
import { doctorProbeScript, parseDoctorProbe } from '../../cluster/doctor/probe';
import { parseNodes } from '../../cluster/doctor/report';
import { etcdHosts } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export function createDoctorActivities(deps: { hosts: HostProvider }) {
  return {
    /** One host's probe, and its clock against this worker's (read at the middle of the round trip). */
    async probeHostForDoctor(input: HostInput): Promise<HostLook> {
      const at = new Date().toISOString();
      try {
        const { spec, host } = resolveHost(deps.hosts, input);
        const before = Date.now();
        const r = await host.exec(doctorProbeScript(input.cluster, spec), { timeoutMs: 60_000 });
        const after = Date.now();
        const probe = parseDoctorProbe(r.stdout);
        return {
          host: input.host,
          probe,
          skewMs: probe.epochMs ? probe.epochMs - Math.round((before + after) / 2) : undefined,
          roundTripMs: after - before,
          at,
        };
      } catch (err) {
        return { host: input.host, error: errorText(err), at };
      }
    },

    /** The Node objects through the given control-plane host, and etcd's members' health through an etcd host. */
    async readClusterView(input: HostInput): Promise<ClusterView> {
      const at = new Date().toISOString();
      const view: ClusterView = { via: input.host, at };
      try {
        const { host } = resolveHost(deps.hosts, input);
        const r = await host.exec(kubectl('get nodes -o json'), { timeoutMs: 30_000 });
        if (r.exitCode === 0) view.nodes = parseNodes(r.stdout);
        else view.nodesError = (r.stderr || r.stdout).trim().slice(0, 500) || `exit ${r.exitCode}`;
      } catch (err) {
        view.nodesError = errorText(err);
      }
      // Through the first member that answers: a stopped member cannot list the others.
      const members = etcdHosts(input.cluster).map((h) => h.name);
      const order = members.includes(input.host)
        ? [input.host, ...members.filter((m) => m !== input.host)]
        : members;
      const errors: string[] = [];
      for (const name of order) {
        try {
          const { host } = resolveHost(deps.hosts, { cluster: input.cluster, host: name });
          const health = await readEndpointHealth(host);
          if (health.endpoints.length) {
            view.etcdHealth = health.endpoints;
            view.etcdVia = name;
            break;
          }
          errors.push(`${name}: ${health.error || 'no answer'}`);
        } catch (err) {
          errors.push(`${name}: ${errorText(err)}`);
        }
      }
      if (!view.etcdHealth && errors.length) view.etcdError = errors.join('\n').slice(0, 1000);
      return view;
    },
  };
}
