#!/usr/bin/env bash
# The whole test suite, on a fresh machine: set-up, lint, format check, then every test
# (unit, workflow tests on a real Temporal dev server, replay, lab end-to-end) in sequence.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
echo "[test] eslint + prettier" >&2
npx eslint . --max-warnings 0
npx prettier --check . >/dev/null
echo "[test] node --test dist/test" >&2
# One file at a time: workflow and lab tests start servers and machines of their own.
node --test --test-concurrency=1 --test-reporter=spec dist/test/
echo "[test] suite wall time: $(($(date +%s) - start)) s" >&2
