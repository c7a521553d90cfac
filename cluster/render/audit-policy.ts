// kube-apiserver's audit policy: without one the audit log records nothing. What a security
// team asks of it: who did what to which object, with secrets' and tokens' contents never
// logged (Metadata only), changes to everything else with their request bodies, and the noise
// of health checks, leader-election renewals and kubelets' own status reads left out.
import { stringify } from 'yaml';

export function renderAuditPolicy(): string {
  const readOnly = ['get', 'list', 'watch'];
  return `# Rendered by hakube; changes are overwritten.\n${stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    // The RequestReceived stage doubles every entry and says nothing the later stages do not.
    omitStages: ['RequestReceived'],
    rules: [
      // Probes and discovery: thousands a minute, nothing a person did.
      {
        level: 'None',
        nonResourceURLs: [
          '/healthz*',
          '/livez*',
          '/readyz*',
          '/version',
          '/metrics',
          '/openapi*',
          '/api',
          '/apis',
        ],
      },
      // Leader election and node heartbeats renew leases every few seconds.
      {
        level: 'None',
        verbs: ['get', 'update'],
        resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }],
      },
      { level: 'None', users: ['system:kube-proxy'], verbs: readOnly },
      {
        level: 'None',
        userGroups: ['system:nodes'],
        verbs: readOnly,
        resources: [{ group: '', resources: ['nodes', 'nodes/status'] }],
      },
      { level: 'None', verbs: readOnly, resources: [{ group: '', resources: ['events'] }] },
      // Contents of these are credentials: who and when only, for every verb.
      {
        level: 'Metadata',
        resources: [
          { group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] },
          { group: 'authentication.k8s.io', resources: ['tokenreviews'] },
          { group: 'certificates.k8s.io', resources: ['certificatesigningrequests'] },
        ],
      },
      { level: 'Metadata', verbs: readOnly },
      // Every change, with what was asked.
      { level: 'Request' },
    ],
  })}`;
}
