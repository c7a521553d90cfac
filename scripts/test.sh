#!/usr/bin/env bash
# The whole test suite, on a fresh machine: set-up, lint, format check, then every test
# (unit, workflow tests on a real Temporal dev server, replay, lab end-to-end) in sequence.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
# An S3-compatible server for the S3 backup target's tests (moto's S3 over HTTP), pinned, from PyPI.
# pip may warn about a system awscli wanting other botocore versions: .tools/moto is only
# ever on the PYTHONPATH of the moto server, never of anything else.
MOTO_VERSION=5.2.5
if [ ! -f ".tools/moto/moto-$MOTO_VERSION.dist-info/METADATA" ]; then
  echo "[test] installing moto[s3]==$MOTO_VERSION into .tools/moto" >&2
  rm -rf .tools/moto
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --target .tools/moto \
    "moto[s3]==$MOTO_VERSION" "flask==3.1.3" "flask-cors==6.0.5"
fi
echo "[test] eslint + prettier" >&2
npx eslint . --max-warnings 0
npx prettier --check . >/dev/null
echo "[test] node --test dist/test" >&2
# One file at a time: workflow and lab tests start servers and machines of their own. Only the
# *.test.js files: given the folder, node --test would also run every helper module as a test.
mapfile -t test_files < <(find dist/test -name '*.test.js' | sort)
node --test --test-concurrency=1 --test-reporter=spec "${test_files[@]}"
echo "[test] suite wall time: $(($(date +%s) - start)) s" >&2
