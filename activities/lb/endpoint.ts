// The API endpoint on control-plane hosts: haproxy (TCP frontend on the LB port) and keepalived
// (VRRP for the VIP), and the gate that the endpoint answers.
import { ApplicationFailure } from '@temporalio/common';
import { files } from '../../cluster/layout';
import { renderHaproxyConfig } from '../../cluster/render/haproxy';
import { renderKeepalivedCheckScript, renderKeepalivedConfig } from '../../cluster/render/keepalived';
import { apiEndpoint, controlPlaneHosts } from '../../cluster/topology';
import type { Cluster } from '../../cluster/spec';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { ensurePackagedService } from '../host/ensure-packaged-service';
import type { ServiceResult } from '../host/ensure-service';

export const EndpointUnreachable = 'EndpointUnreachable';

export interface EndpointStatus {
  answers: boolean;
  /** Control-plane host currently holding the VIP (keepalived mode). */
  vipHolder?: string;
}

export function createEndpointActivities(deps: { hosts: HostProvider }) {
  const hostOf = (cluster: Cluster, name: string) => resolveHost(deps.hosts, { cluster, host: name }).host;
  return {
    async ensureHaproxy(input: HostInput): Promise<ServiceResult> {
      const { host } = resolveHost(deps.hosts, input);
      return ensurePackagedService(host, {
        unit: 'haproxy',
        files: [{ path: files.haproxyCfg, content: renderHaproxyConfig(input.cluster) }],
        validate: `haproxy -c -q -f ${files.haproxyCfg}`,
        reload: true,
      });
    },

    async ensureKeepalived(input: HostInput): Promise<ServiceResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      return ensurePackagedService(host, {
        unit: 'keepalived',
        files: [
          { path: files.keepalivedCheck, content: renderKeepalivedCheckScript(input.cluster), mode: 0o755 },
          { path: files.keepalivedConf, content: renderKeepalivedConfig(input.cluster, spec) },
        ],
        validate: `keepalived -t -f ${files.keepalivedConf}`,
        reload: true,
      });
    },

    /** Probes the endpoint from a control-plane host and finds the VIP holder; throws (retryable) until it answers. */
    async checkEndpoint(input: HostInput & { requireAnswer?: boolean }): Promise<EndpointStatus> {
      const { host } = resolveHost(deps.hosts, input);
      const ep = apiEndpoint(input.cluster);
      const probe = await host.exec(`timeout 3 bash -c 'exec 3<>/dev/tcp/${ep.host}/${ep.port}'`);
      let vipHolder: string | undefined;
      if (input.cluster.spec.controlPlaneEndpoint.mode === 'keepalived') {
        for (const cp of controlPlaneHosts(input.cluster)) {
          const held = await hostOf(input.cluster, cp.name).exec(
            `ip -4 -o addr show | grep -qw 'inet ${ep.host}'`,
          );
          if (held.exitCode === 0) vipHolder = cp.name;
        }
      }
      const status = { answers: probe.exitCode === 0, vipHolder };
      if (input.requireAnswer !== false && !status.answers) {
        throw ApplicationFailure.create({
          type: EndpointUnreachable,
          message: `${ep.host}:${ep.port} does not answer yet${vipHolder ? ` (VIP on ${vipHolder})` : ' (no host holds the VIP)'}`,
        });
      }
      return status;
    },
  };
}
