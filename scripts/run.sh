#!/usr/bin/env bash
# Entry point behind `npm start`, `npm test`, `npm run bench` and `npm run honnin`:
# works on a fresh clone with any npm — it provides the pinned Node.js when the
# machine's is older and installs the dependencies when they are missing or stale.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=node-env.sh
source "$root/scripts/node-env.sh"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "honnin: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
cmd="${1:-}"
shift || true
case "$cmd" in
  start) exec node packages/cli/src/main.ts start "$@" ;;
  test) exec node scripts/test.ts "$@" ;;
  bench) exec node bench/main.ts "$@" ;;
  cli) exec node packages/cli/src/main.ts "$@" ;;
  node) exec node "$@" ;;
  *) echo "usage: scripts/run.sh start|test|bench|cli|node [args…]" >&2; exit 2 ;;
esac
