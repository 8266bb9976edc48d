#!/usr/bin/env bash
# The project's test command (npm test): every *.test.ts under src/ and test/, through node's own runner.
# Node 20's --test takes no globs, so the shell lists the files.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
