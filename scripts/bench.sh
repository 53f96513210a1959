#!/usr/bin/env bash
# Runs QuickHelp's benchmarks and writes JSON results into bench/results/.
# Machines are shared and noisy: compare medians and ratios, not single runs.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$PWD/bench/results" # absolute: go test runs each package in its own folder
mkdir -p "$OUT"

echo "== go test -bench (capture, convert, encode, input, peer pair)"
go test -run '^$' -bench . -benchtime 2s ./daemon/capture/ ./daemon/encode/ ./daemon/input/ | tee "$OUT/go-bench.txt"
go test -run '^$' -bench PairFrame -benchtime 1000x ./test/integration/ | tee -a "$OUT/go-bench.txt"

echo "== allow → first decoded frame (1080p, loopback)"
QUICKHELP_BENCH_JSON="$OUT/allow-to-first-frame.json" \
  go test -run '^$' -bench AllowToFirstFrame -benchtime 20x ./test/integration/ | tee -a "$OUT/go-bench.txt"

echo "== capture / convert / encode / still-screen CPU (bench/video)"
go run ./bench/video -out "$OUT/video.json"

echo "== glass-to-glass latency in the helper console (bench/latency)"
node bench/latency/latency.mjs -n 60 -out "$OUT/latency.json"

echo "== impaired path: 2 Mbit/s, 150 ms RTT, 5 % loss (test/netpath, needs root)"
if [ "$(id -u)" = 0 ]; then
  QUICKHELP_BENCH_JSON="$OUT/impaired.json" QH_NETPATH_WINDOW=60 \
    go test -count=1 -v -run '^TestImpairedPath$' ./test/netpath/ | grep -E 'impaired path|^(---|ok|FAIL)' || true
else
  echo "skipped: network namespaces need root"
fi

echo "== service load (bench/load; make bench-load runs the 10,000-session target)"
ulimit -n "$(ulimit -Hn)" || true
go run ./bench/load -sessions "${SESSIONS:-2000}" -duration 30s -interval 5s -out "$OUT/load.json"

echo "results in $OUT/"
