#!/usr/bin/env bash
# The hakube demo on the embedded default: Temporal dev server + a worker + local lab hosts.
# Idempotent: run it again and it reuses what is already up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

HAKUBE_HOME=${HAKUBE_HOME:-$HOME/.hakube}
export HAKUBE_HOME
LAB=${HAKUBE_DEMO_LAB:-demo}
hakube() { node bin/hakube.js "$@"; }

hakube server start

# The worker runs in the background; its structured log goes to $HAKUBE_HOME/worker.log.
pidfile="$HAKUBE_HOME/worker.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "worker already running (pid $(cat "$pidfile"))"
else
  nohup node bin/hakube.js worker >>"$HAKUBE_HOME/worker.log" 2>&1 &
  echo $! >"$pidfile"
  echo "worker started (pid $!, log $HAKUBE_HOME/worker.log)"
fi

# The offline bundle the lab installs from (real etcd and Kubernetes binaries): built from
# source once (about 12 minutes on 2 cores), then a cache hit in seconds.
hakube bundle build

spec="$HAKUBE_HOME/labs/$LAB/cluster.yaml"
hakube lab up --name "$LAB" --masters 3 --workers 2 --out "$spec"
hakube validate -f "$spec"
# The install: durable, so this command can be interrupted and run again; it attaches.
hakube install -f "$spec" --wait

key="$HAKUBE_HOME/labs/$LAB/id_ed25519"
m1=$(node -e 'const y=require("yaml");const s=y.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.spec.hosts[0].address)' "$spec")
on_m1() { ssh -i "$key" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$m1" "$@"; }
echo
echo "apiserver through the VIP: $(on_m1 kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw /readyz)"
on_m1 kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o wide

# A pod of our own, on the bundle's agnhost image (nothing is pulled: the lab has no way out).
k() { on_m1 kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }
bundle_dir=$(node -e 'const y=require("yaml");const s=y.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.spec.artifacts.bundleDir)' "$spec")
agnhost=$(node -e 'const m=require(require("path").resolve(process.argv[1],"manifest.json"));console.log(m.images.find((i)=>i.name.includes("/agnhost:")).name)' "$bundle_dir")
k get pod hello >/dev/null 2>&1 ||
  k run hello --image="$agnhost" --restart=Never --port=8080 -- netexec --http-port=8080 --udp-port=-1 >/dev/null
k wait --for=condition=Ready pod/hello --timeout=180s >/dev/null
hello_ip=$(k get pod hello -o jsonpath='{.status.podIP}')
echo
echo "pod hello ($agnhost) on $(k get pod hello -o jsonpath='{.spec.nodeName}'), $hello_ip:8080/hostname answers: $(on_m1 curl -sS --max-time 5 "http://$hello_ip:8080/hostname")"
k get pods -A -o wide

ui=$(node bin/hakube.js server status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).uiUrl))')
cat <<MSG

hakube demo is up.
  Temporal Web UI : $ui   (filter: HakubeCluster="$LAB")
  cluster spec    : $spec
  lab hosts       : node bin/hakube.js lab status --name $LAB

Try next:
  node bin/hakube.js status install-$LAB                    # phases, steps, hosts
  node bin/hakube.js install -f $spec --wait                # again: a no-op that verifies health
  node bin/hakube.js ls --cluster $LAB
  node bin/hakube.js history $LAB                            # finished operations, outcome, duration
  node bin/hakube.js kubeconfig -f $spec -o /tmp/$LAB.conf   # admin kubeconfig (or --user alice --group ops)
  node bin/hakube.js backup now -f $spec --wait              # a verified etcd snapshot
  node bin/hakube.js backup list -f $spec
  node bin/hakube.js backup schedule -f $spec --cron "*/30 * * * *" --keep 5   # under Schedules in the Web UI
  node bin/hakube.js restore -f $spec --snapshot <ID from backup list>        # shows the plan, waits:
  node bin/hakube.js watch restore-$LAB                      #   ...and in another terminal:
  node bin/hakube.js approve restore-$LAB --reason "drill"   #   (or reject ... --reason, or the Web UI's "Send signal")
  node bin/hakube.js certs check -f $spec                    # every certificate on every host
  node bin/hakube.js certs schedule -f $spec                 # the daily check, as a Temporal Schedule
  node bin/hakube.js lab up --name $LAB --masters 3 --workers 3 --out $spec   # a 3rd worker machine, in the spec
  node bin/hakube.js node add -f $spec --node worker-3 --wait                 # joins it (its own workflow, time reported)
  node bin/hakube.js node remove -f $spec --node worker-3                     # drain + reset after approval
  node bin/hakube.js selftest --cluster $LAB --approval      # then: node bin/hakube.js approve selftest-$LAB --reason "looks good"
  node bin/hakube.js lab stop $LAB worker-1 && node bin/hakube.js lab start $LAB worker-1
  ssh -i $key root@$m1 kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes
Tear down:
  node bin/hakube.js lab down --name $LAB && node bin/hakube.js server stop && kill \$(cat $pidfile)
MSG
