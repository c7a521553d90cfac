// What every cluster activity receives and how it reaches a host. Inputs carry the spec (no
// secrets: key *paths* only) and host names; the pool behind hostFor owns the SSH connections.
import { Context } from '@temporalio/activity';
import { reportProgress } from './liveness';
import type { Cluster, HostSpec } from '../cluster/spec';
import { hostByName } from '../cluster/topology';
import type { Host } from './ssh';

export interface HostInput {
  cluster: Cluster;
  host: string;
}

export interface HostProvider {
  hostFor(cluster: Cluster, host: HostSpec): Host;
}

export function resolveHost(provider: HostProvider, input: HostInput): { spec: HostSpec; host: Host } {
  const spec = hostByName(input.cluster, input.host);
  return { spec, host: provider.hostFor(input.cluster, spec) };
}

/** Heartbeats with the latest line of remote output, so the Web UI and `hakube watch` show it. */
export function heartbeatOutput(step: string): (chunk: string) => void {
  let last = 0;
  return (chunk: string) => {
    const line = chunk.trimEnd().split('\n').pop() ?? '';
    const now = Date.now();
    if (now - last < 1000 || !line) return;
    last = now;
    reportProgress({ step, output: line.slice(0, 200) });
  };
}

/** The running activity's cancellation signal (undefined outside an activity, as in unit tests). */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
