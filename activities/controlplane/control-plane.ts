// Control-plane components as systemd units, the /readyz gate through the API endpoint, the
// bootstrap RBAC, and leader-election status for controller-manager and scheduler.
import { ApplicationFailure } from '@temporalio/common';
import { BIN_DIR, files, kubeconfigs, pki } from '../../cluster/layout';
import { admissionConfigFile, auditPolicyFile } from '../../cluster/render/user-documents';
import { shq } from '../ssh/shell';
import {
  renderApiserverUnit,
  renderControllerManagerUnit,
  renderSchedulerUnit,
} from '../../cluster/render/control-plane';
import { renderBootstrapRbac } from '../../cluster/manifests/rbac';
import { apiEndpoint, apiserverPort } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { ensureService, type ServiceResult } from '../host/ensure-service';

export const ApiserverNotReady = 'ApiserverNotReady';

/** Longer than a leader's renew interval (2 s, kube-controller-manager and kube-scheduler's default retry period). */
const LEASE_RENEW_WAIT_MS = 3_000;

export interface LeaderStatus {
  controllerManager?: string;
  scheduler?: string;
}

export function kubectl(args: string, kubeconfig: string = kubeconfigs.admin, timeout = '20s'): string {
  return `${BIN_DIR}/kubectl --kubeconfig=${kubeconfig} --request-timeout=${timeout} ${args}`;
}

/** hakube's server-side apply of a manifest on stdin (fields it owns, conflicts taken over). */
export const APPLY_STDIN = 'apply --server-side --force-conflicts --field-manager=hakube -f -';

export function createControlPlaneActivities(deps: { hosts: HostProvider }) {
  return {
    async ensureApiserver(input: HostInput): Promise<ServiceResult> {
      const { spec, host } = resolveHost(deps.hosts, input);
      await host.ensureDir('/var/log/kubernetes', { mode: 0o700 });
      // spec.components.apiserver: the user's audit policy (else hakube's) and AdmissionConfiguration.
      const admission = admissionConfigFile(input.cluster);
      return ensureService(host, {
        unit: 'kube-apiserver',
        unitContent: renderApiserverUnit(input.cluster, spec),
        files: [
          { path: files.auditPolicy, content: auditPolicyFile(input.cluster), mode: 0o600 },
          ...(admission === undefined
            ? []
            : [{ path: files.admissionConfig, content: admission, mode: 0o600 }]),
        ],
      });
    },

    async ensureControllers(input: HostInput): Promise<ServiceResult[]> {
      const { host } = resolveHost(deps.hosts, input);
      return [
        await ensureService(host, {
          unit: 'kube-controller-manager',
          unitContent: renderControllerManagerUnit(input.cluster),
        }),
        await ensureService(host, {
          unit: 'kube-scheduler',
          unitContent: renderSchedulerUnit(input.cluster),
        }),
      ];
    },

    /**
     * GET /readyz through the API endpoint (the VIP or external LB), from a control-plane host;
     * with `local`, of that host's own apiserver (the gate of a rolling restart).
     */
    async checkApiserverReady(
      input: HostInput & { local?: boolean },
    ): Promise<{ url: string; body: string }> {
      const { host } = resolveHost(deps.hosts, input);
      const base = input.local
        ? `https://127.0.0.1:${apiserverPort(input.cluster)}`
        : apiEndpoint(input.cluster).url;
      const url = `${base}/readyz`;
      // Checked against the cluster CA: a probe that trusts any certificate would also pass
      // for whatever answers on the VIP.
      const r = await host.exec(`curl -s --cacert ${pki.ca.cert} --max-time 5 ${shq(url)}`);
      if (r.exitCode !== 0 || r.stdout.trim() !== 'ok') {
        throw ApplicationFailure.create({
          type: ApiserverNotReady,
          message: `${url}: ${r.stdout.trim() || r.stderr.trim() || 'no answer'}`,
        });
      }
      return { url, body: r.stdout.trim() };
    },

    async ensureBootstrapRbac(input: HostInput): Promise<{ applied: string }> {
      const { host } = resolveHost(deps.hosts, input);
      // With the break-glass credential: until this applies, admin.conf's group has no rights.
      const apply = kubectl(APPLY_STDIN, kubeconfigs.superAdmin);
      const r = await host.run(apply, { stdin: renderBootstrapRbac() });
      return { applied: r.stdout.trim() };
    },

    /**
     * Who holds the controller-manager and scheduler leases, counting only a lease renewed within
     * its duration (a stopped leader's lease stays behind until it expires). With `require`, a
     * gate: fails (retried) until both are held by a live leader, one that renews the lease. A
     * leader that was just stopped leaves a lease that looks current for up to its duration (15 s)
     * while nothing runs the controllers (no EndpointSlice updates: a pod evicted then keeps
     * receiving traffic); its renewals stopping is what tells it apart.
     */
    async leaderStatus(input: HostInput & { require?: boolean }): Promise<LeaderStatus> {
      const { host } = resolveHost(deps.hosts, input);
      const read = async (lease: string) => {
        const r = await host.exec(
          kubectl(
            `-n kube-system get lease ${lease} -o jsonpath='{.spec.holderIdentity} {.spec.renewTime} {.spec.leaseDurationSeconds}'`,
          ) + '; echo " $(date -u +%s)"',
        );
        const [who, renewed, duration, nowS] = r.stdout.trim().split(/\s+/);
        const age = Number(nowS) - Date.parse(renewed ?? '') / 1000;
        const current = r.exitCode === 0 && who && age <= Number(duration) + 2 ? who : undefined;
        return { holder: current, renewed: renewed ?? '' };
      };
      const first = { cm: await read('kube-controller-manager'), sched: await read('kube-scheduler') };
      const status = { controllerManager: first.cm.holder, scheduler: first.sched.holder };
      if (!input.require) return status;
      if (!status.controllerManager || !status.scheduler)
        throw ApplicationFailure.create({
          type: ApiserverNotReady,
          message: `no current leader for ${!status.controllerManager ? 'kube-controller-manager' : 'kube-scheduler'} yet`,
        });
      // Leaders renew every 2 s (retry period): one that does not within 3 s is gone.
      await new Promise((r) => setTimeout(r, LEASE_RENEW_WAIT_MS));
      for (const [lease, before] of [
        ['kube-controller-manager', first.cm],
        ['kube-scheduler', first.sched],
      ] as const) {
        const after = await read(lease);
        if (!after.holder || after.renewed === before.renewed)
          throw ApplicationFailure.create({
            type: ApiserverNotReady,
            message: `the ${lease} lease of ${before.holder} was not renewed within ${LEASE_RENEW_WAIT_MS / 1000} s: its leader is gone and no other has taken over yet`,
          });
      }
      return status;
    },
  };
}
