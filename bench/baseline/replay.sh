#!/usr/bin/env bash
# The sequential baseline of bench/baseline: a hakube install's remote work (its commands and
# file copies, recorded by the worker with HAKUBE_SSH_RECORD and turned into plan.tsv by plan.ts)
# redone with plain ssh, one step at a time, in the order hakube started them; nothing runs in
# parallel. One multiplexed ssh connection per host (ControlMaster), as a careful admin's script
# would have, so the comparison is about running steps one by one, not about SSH handshakes.
#   replay.sh PLAN_DIR SSH_KEY KNOWN_HOSTS [RETRY_SECONDS]
# A step hakube saw succeed is retried every second until it succeeds (hakube's gates wait the
# same way), for at most RETRY_SECONDS (default 300); then the script stops with exit 1.
set -uo pipefail
dir=$1 key=$2 known=$3 retry=${4:-300}
ctl=$(mktemp -d /tmp/hakube-baseline-ssh.XXXXXX)
opts=(-i "$key" -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$known"
  -o LogLevel=ERROR -o ConnectTimeout=10
  -o ControlMaster=auto -o "ControlPath=$ctl/%h" -o ControlPersist=60)
cleanup() {
  for s in "$ctl"/*; do [ -S "$s" ] && ssh -o "ControlPath=$s" -O exit baseline >/dev/null 2>&1; done
  rm -rf "$ctl"
}
trap cleanup EXIT
err="$dir/last.stderr"

# step KIND ADDRESS ARG1 ARG2 (see plan.ts); stdin always redirected, the loop reads the plan.
step() {
  case $1 in
    exec)
      if [ "$4" = - ]; then ssh "${opts[@]}" "root@$2" "$(cat "$dir/$3")" </dev/null
      else ssh "${opts[@]}" "root@$2" "$(cat "$dir/$3")" <"$dir/$4"; fi ;;
    upload)
      local src=$3
      [[ $src = /* ]] || src="$dir/$src"
      # Created 0600 like hakube's SFTP upload; the recorded chmod / mv follow as their own steps.
      ssh "${opts[@]}" "root@$2" "umask 077 && cat > '$4'" <"$src" ;;
    download) ssh "${opts[@]}" "root@$2" "cat '$3'" </dev/null ;;
  esac
}

# A failed command, for the log: its start, with key-like and token-like runs masked.
shown() {
  head -c 400 "$1" | tr '\n' ' ' | sed -E 's/[A-Za-z0-9+/]{40,}={0,2}/<redacted>/g; s/[a-z0-9]{6}\.[a-z0-9]{16}/<token>/g' | cut -c1-200
}

n=0
retries=0
start=$(date +%s)
while IFS=$'\t' read -r seq kind addr expect arg1 arg2; do
  n=$((n + 1))
  deadline=$(($(date +%s) + retry))
  until step "$kind" "$addr" "$arg1" "$arg2" >/dev/null 2>"$err"; do
    rc=$?
    [ "$expect" = ok ] || break
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "baseline: step $seq ($kind on $addr) still fails after ${retry} s (exit $rc): $(tail -n 3 "$err" | tr '\n' ' ')" >&2
      [ "$kind" = exec ] && echo "baseline: step $seq ran: $(shown "$dir/$arg1")" >&2
      exit 1
    fi
    retries=$((retries + 1))
    sleep 1
  done
  if ((n % 250 == 0)); then echo "baseline: $n steps, $retries retries, $(($(date +%s) - start)) s" >&2; fi
done <"$dir/plan.tsv"
echo "baseline: done, $n steps, $retries retries, $(($(date +%s) - start)) s" >&2
