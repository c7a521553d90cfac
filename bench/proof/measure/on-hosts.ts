// security/on-hosts: on a freshly installed lab (3 control-plane + 2 workers), every file holding
// a private key is 0600 root:root; etcd refuses clients without a certificate from its CA; the
// apiservers (and kubelets) refuse anonymous callers except the health endpoints. The keys found
// and the bootstrap tokens seen during the install are then looked for in every history of the run.
import { apiEndpoint, apiserverPort, controlPlaneHosts, etcdHosts } from '../../../cluster/topology';
import { openLabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import {
  anonymousApiserverChecks,
  anonymousKubeletChecks,
  etcdClientChecks,
  type Check,
} from './host-checks';
import { describeScan } from './history-sources';
import { runInstall } from './install-run';
import { keysOnHosts, scanSession } from './session-scan';
import { watchBootstrapTokens } from './token-watch';

const LAB = 'pb-sec';

export const onHosts: ProofScenario = {
  name: 'security/on-hosts',
  kind: 'security',
  claim:
    'on an installed lab: every file with a private key under /etc/kubernetes, /etc/etcd, /var/lib/kubelet is 0600 root:root; ' +
    'etcd refuses clients without a certificate from its CA; apiservers and kubelets refuse anonymous requests, ' +
    'health endpoints answer; no key or bootstrap token of the run in its histories',
  minutes: 12,
  async run(ctx) {
    const session = await openLabSession({ name: LAB, log: ctx.log });
    try {
      const { cluster } = session;
      const primary = session.on(controlPlaneHosts(cluster)[0].name);
      const watch = watchBootstrapTokens(primary);
      const install = await runInstall(session, ctx.log).finally(() => watch.stop());
      const tokens = await watch.stop();
      ctx.log(`installed in ${install.wallSeconds.toFixed(0)} s; bootstrap tokens seen: ${tokens.tokens}`);
      const check = await session.client.startCertsCheck({ cluster });
      await session.client.result(check.workflowId);

      const { files, keys } = await keysOnHosts(session);
      const badFiles = files.filter((f) => !f.ok);
      const etcd = await etcdClientChecks(primary, etcdHosts(cluster));
      const urls = [
        ...controlPlaneHosts(cluster).map((h) => `https://${h.address}:${apiserverPort(cluster)}`),
        apiEndpoint(cluster).url,
      ];
      const api = await anonymousApiserverChecks(primary, urls);
      const kubelet = await anonymousKubeletChecks(primary, cluster.spec.hosts);
      const checks: Check[] = [...etcd, ...api, ...kubelet];
      const failed = checks.filter((c) => !c.ok);
      for (const c of failed) ctx.log(`FAILED ${c.check}: expected ${c.expected}, got ${c.got}`);
      for (const f of badFiles) ctx.log(`FAILED ${f.host}:${f.path} is ${f.mode} ${f.owner}`);

      const scan = scanSession(session, keys, tokens.secrets);
      ctx.log(`history scan: ${describeScan(scan)}`);
      const ok =
        files.length > 0 &&
        badFiles.length === 0 &&
        failed.length === 0 &&
        scan.findings.length === 0 &&
        tokens.tokens > 0;
      const count = (cs: Check[]) => `${cs.filter((c) => c.ok).length}/${cs.length}`;
      return {
        ok,
        summary:
          `${files.length - badFiles.length}/${files.length} key files 0600 root:root on ${cluster.spec.hosts.length} hosts; ` +
          `etcd refusals ${count(etcd)}; anonymous apiserver ${count(api)} (refused: 401/403, health: 200 ok); kubelet ${count(kubelet)}; ` +
          `histories: ${scan.histories} scanned for ${keys.length} keys + ${tokens.tokens} bootstrap tokens, ${scan.findings.length} found`,
        figures: {
          installSeconds: Number(install.wallSeconds.toFixed(1)),
          keyFiles: files.length,
          keyFilesBad: badFiles.length,
          etcdChecksOk: etcd.filter((c) => c.ok).length,
          etcdChecks: etcd.length,
          apiserverChecksOk: api.filter((c) => c.ok).length,
          apiserverChecks: api.length,
          kubeletChecksOk: kubelet.filter((c) => c.ok).length,
          keysSearched: keys.length,
          bootstrapTokensSeen: tokens.tokens,
          historiesScanned: scan.histories,
          historySecretsFound: scan.findings.length,
        },
        details: { files, checks, historyScan: scan },
      };
    } finally {
      await session.close();
    }
  },
};
