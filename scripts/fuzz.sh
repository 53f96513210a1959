#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time (what `make
# test-fuzz` runs, part of `make test`). Targets are found in the test
# files, so a new `func FuzzX(f *testing.F)` is included without listing it
# here. Go fuzzes one target at a time, so they run one after the other:
# FUZZTIME each (default 3s), plus at most 1s per new input spent on
# minimising it. Each package's instrumented test binary is built once (the
# same build `go test -fuzz` makes) and reused for all its targets.
# A failing input is written to the package's testdata/fuzz/FuzzX/
# directory; commit it, and it becomes a regression test that plain
# `go test` runs.
#   scripts/fuzz.sh            run them all
#   scripts/fuzz.sh -l         only list "package target" pairs
#   scripts/fuzz.sh REGEXP     only the pairs that match (grep -E)
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-3s}

# "dir FuzzName" for each target in a tracked or new (not ignored) test
# file of this module (tools/wails is a module of its own and is skipped).
targets() {
  git ls-files -co --exclude-standard -- '*_test.go' ':!:tools/wails/**' |
    xargs grep -H -o '^func Fuzz[A-Za-z0-9_]*(' |
    sed -E 's#^(([^:]*)/)?[^/:]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($#\2 \3#; s#^ #. #' |
    sort -u
}

if [ "${1:-}" = "-l" ]; then
  targets
  exit 0
fi

list=$(targets)
if [ -n "${1:-}" ]; then
  list=$(echo "$list" | grep -E -- "$1")
fi
if [ -z "$list" ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/quickhelp-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CACHE=$("$GO" env GOCACHE)/fuzz
MODULE=$("$GO" list -m)

# One bounded run of target $name in package $dir (run in the package
# directory like go test does, so testdata is found; the corpus cache is the
# one go test -fuzz uses).
fuzz_one() {
  (cd "$dir" && "$bin" -test.run='^$' -test.fuzz="^${name}\$" \
    -test.fuzztime="$FUZZTIME" -test.fuzzminimizetime=1s -test.fuzzcachedir="$CACHE/$pkg" 2>&1)
}

passed=0 failed=0 failures="" built=""
start=$SECONDS
while read -r dir name; do
  bin="$WORK/$(echo "$dir" | tr '/.' '__').test"
  if [ "$built" != "$dir" ]; then
    built=$dir
    out=$("$GO" test -c -fuzz=. -o "$bin" "./$dir" 2>&1) || rm -f "$bin"
  fi
  t0=$SECONDS
  pkg=$MODULE${dir#.}
  [ "$dir" = . ] || pkg=$MODULE/$dir
  ok=false
  if [ -x "$bin" ]; then
    for try in 1 2; do
      if out=$(fuzz_one); then ok=true; break; fi
      # Go's fuzzing engine can end a run with only "context deadline
      # exceeded" when its time limit falls while a worker is still starting
      # or busy with a slow (cgo) input; no input failed then. Such a run is
      # tried once more; a real failure names its input and is never retried.
      case "$out" in
        *"Failing input written"*|*"failure while testing seed corpus"*) break ;;
        *"context deadline exceeded"*) [ "$try" = 1 ] && echo "again ./$dir $name: the engine hit its deadline without a failing input" ;;
        *) break ;;
      esac
    done
  fi
  if $ok; then
    passed=$((passed + 1))
    echo "ok   ./$dir $name ($((SECONDS - t0))s)"
  else
    failed=$((failed + 1))
    failures="$failures ./$dir:$name"
    echo "FAIL ./$dir $name ($((SECONDS - t0))s)"
    echo "${out:-}" | tail -n 40
  fi
done <<< "$list"
echo "fuzzing: $passed passed, $failed failed in $((SECONDS - start))s"
if [ "$failed" -gt 0 ]; then
  echo "failed:$failures" >&2
  exit 1
fi
