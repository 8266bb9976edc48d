#!/usr/bin/env bash
# The project's test command (npm test).
#   1. every *.test.ts under src/ and test/ on the embedded default (SQLite + disk);
#   2. the integration and HTTP suites again on PostgreSQL (127.0.0.1:5432, database test, one schema per harness).
# In CI PostgreSQL is required; on a laptop without it step 2 is skipped with a visible message.
# Node 20's --test takes no globs, so the shell lists the files.
set -uo pipefail
cd "$(dirname "$0")/.."
concurrency="${TEST_CONCURRENCY:-2}"
mapfile -t all < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#all[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi

echo "== SQLite: ${#all[@]} test files"
node --import tsx --test --test-concurrency="$concurrency" "$@" "${all[@]}"
sqlite_status=$?

pg_url="${TROVE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if [ "${CI:-}" = "true" ]; then echo "PostgreSQL is required in CI but 127.0.0.1:5432 is not reachable" >&2; exit 1; fi
  echo "== PostgreSQL: SKIPPED (nothing listens on 127.0.0.1:5432; set it up to run the PostgreSQL suites)"
  exit $sqlite_status
fi
mapfile -t pg_files < <(find test/integration test/e2e/http test/e2e/compat -name '*.test.ts' 2>/dev/null | sort)
export TROVE_TEST_DB=postgres TROVE_TEST_PG_URL="$pg_url" TROVE_TEST_RUN="r$$$(date +%s)"
echo "== PostgreSQL: ${#pg_files[@]} test files (schemas t_${TROVE_TEST_RUN}_*)"
node --import tsx --test --test-concurrency="$concurrency" "$@" "${pg_files[@]}"
pg_status=$?
node --import tsx scripts/drop-test-schemas.ts || true
[ $sqlite_status -eq 0 ] && [ $pg_status -eq 0 ]
