// What a healthy host's fact gathering prints (activities/host/facts.ts), as preflight reads it:
// for preflight's unit tests and for workflow tests whose stand-in hosts must pass preflight.
import { parseFacts, type HostFacts } from '../../cluster/facts';
import type { GatheredFacts } from '../../cluster/preflight';

export const SAMPLE = `### os-release
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
### kernel
6.1.0-18-amd64
x86_64
### hostname
master-1
### cpus
4
### meminfo
MemTotal:        8022412 kB
SwapTotal:       1048572 kB
### swaps
/dev/vda2                               partition	1048572		0		-2
### listen
LISTEN 0      4096       127.0.0.1:2379      0.0.0.0:*    users:(("etcd",pid=812,fd=7))
LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=300,fd=3))
LISTEN 0      4096               *:6443              *:*    users:(("nginx",pid=99,fd=3))
### time
1795414095123
### state
running
### timesync
yes
### addresses
127.0.0.1/8
10.1.1.11/24
### modules
br_netfilter
overlay
### virt
kvm
### cgroup
cgroup2fs rw cpuset,cpu,io,memory,hugetlb,pids,rdma,misc
`;

/** A host that passes every check, with `patch` applied. */
export function healthy(hostname: string, patch: Partial<HostFacts> = {}): GatheredFacts {
  const f = parseFacts(SAMPLE);
  return { facts: { ...f, hostname, swapActive: false, listening: [], ...patch }, skewMs: 0 };
}
