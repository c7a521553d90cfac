// Kept histories the current code cannot replay, each with why, where it stops and where
// `temporal workflow reset --event-id` resumes such an execution with the current code. They stay
// kept (never deleted): the replay test checks each one still stops exactly there (so a new break
// earlier in it fails CI) and that the reset run replays. Every history not listed here must
// replay in full. See docs/versioning.md.

export interface KnownIncompatible {
  /** Path under test/histories. */
  file: string;
  /** The commit whose unpatched change broke it, and what that change did. */
  brokenBy: string;
  reason: string;
  /** The first event the current code does not reproduce. */
  firstMismatch: number;
  /** The WorkflowTaskCompleted event to reset such an execution to. */
  resetEventId: number;
}

const APISERVER_CERTS =
  'the apiservers phase now ensures the certificates of each other apiserver (new SANs) before restarting it, ' +
  'added without patched(); the releases since then recorded the new order without a patch marker, so ' +
  'no patched() branch can replay both (docs/versioning.md, "When a change shipped without a patch")';

export const KNOWN_INCOMPATIBLE: KnownIncompatible[] = [
  {
    file: 'kept/2026-11-23-8cddedc/join-node-lab-with-crash.json',
    brokenBy: '0ebd556',
    reason: APISERVER_CERTS,
    firstMismatch: 157,
    resetEventId: 155,
  },
  {
    file: 'kept/2026-11-23-8cddedc/remove-node-lab.json',
    brokenBy: '0ebd556',
    reason: APISERVER_CERTS,
    firstMismatch: 139,
    resetEventId: 137,
  },
  {
    file: 'kept/2026-11-23-0ebd556/rotate-certificates-lab.json',
    brokenBy: '52123ad',
    reason:
      'each restart of a rotation now first moves etcd leadership off the host (ensureEtcdNotLeader), ' +
      'added without patched(); the releases since then recorded the new order without a patch marker',
    firstMismatch: 50,
    resetEventId: 49,
  },
];
