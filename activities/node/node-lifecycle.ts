// A node leaving the cluster: cordon and drain (bounded by a timeout), then its Node object
// deleted. kubectl runs on a control-plane host that stays (`via`).
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../cluster/errors';
import { kubectl } from '../controlplane/control-plane';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { shq } from '../ssh/shell';

export interface DrainInput extends HostInput {
  /** The control-plane host that runs kubectl. */
  via: string;
  timeoutSeconds: number;
}

/** The pods `kubectl drain` reports as evicted (`pod/NAME evicted`). */
export function evictedPods(drainStdout: string): string[] {
  return drainStdout
    .split('\n')
    .map((l) => /^pod\/(\S+) evicted/.exec(l.trim())?.[1])
    .filter((p): p is string => p !== undefined);
}

export function createNodeLifecycleActivities(deps: { hosts: HostProvider }) {
  return {
    /** Cordons and drains the node; a node that never registered has nothing to drain. */
    async drainNode(input: DrainInput): Promise<{ node: string; registered: boolean; evicted: string[] }> {
      const { host } = resolveHost(deps.hosts, { cluster: input.cluster, host: input.via });
      const node = shq(input.host);
      const exists = await host.exec(kubectl(`get node ${node} -o name`));
      if (exists.exitCode !== 0 && /NotFound/.test(exists.stderr))
        return { node: input.host, registered: false, evicted: [] };
      await host.run(kubectl(`cordon ${node}`));
      const r = await host.exec(
        kubectl(
          `drain ${node} --ignore-daemonsets --delete-emptydir-data --grace-period=-1 --timeout=${input.timeoutSeconds}s`,
        ),
        { timeoutMs: (input.timeoutSeconds + 60) * 1000 },
      );
      if (r.exitCode !== 0) {
        const timedOut = /timed out|timeout/i.test(r.stderr);
        throw ApplicationFailure.create({
          type: timedOut ? ErrorTypes.DrainTimedOut : ErrorTypes.RemoteCommandFailed,
          message: `drain of ${input.host} ${timedOut ? `did not finish in ${input.timeoutSeconds} s` : 'failed'} (the node stays cordoned): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
          nonRetryable: timedOut,
        });
      }
      return { node: input.host, registered: true, evicted: evictedPods(r.stdout) };
    },

    async deleteNodeObject(input: HostInput & { via: string }): Promise<{ node: string; deleted: boolean }> {
      const { host } = resolveHost(deps.hosts, { cluster: input.cluster, host: input.via });
      const r = await host.run(kubectl(`delete node ${shq(input.host)} --ignore-not-found`));
      return { node: input.host, deleted: r.stdout.includes('deleted') };
    },
  };
}
