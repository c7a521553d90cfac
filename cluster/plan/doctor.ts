// `hakube doctor`'s phases. Read-only: nothing to approve, nothing to put back. Pure.
export const DOCTOR_PHASES = [
  { name: 'hosts', title: 'Look at every host: units, disks, clock, etcd, apiserver, kubelet, certificates' },
  {
    name: 'cluster',
    title: 'Look at the cluster: Node objects and etcd members, through a control-plane host',
  },
  { name: 'report', title: 'Judge what was seen: findings with evidence and fixes' },
] as const;
