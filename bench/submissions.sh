#!/usr/bin/env bash
# Submission throughput of two consultd builds, measured back to back in alternating runs so that
# a shared, noisy machine affects both alike; prints comments/s and p99 of each run and the ratio
# of the medians (candidate / baseline).
#
#   bench/submissions.sh BASELINE_CONSULTD[:CONFIG] CANDIDATE_CONSULTD[:CONFIG] [sqlite|postgres]
#
# Each run starts the server on a fresh database (SQLite in a temporary directory, or a fresh
# PostgreSQL database over the Unix socket, created through PG_ADMIN_URL) and drives it with
# target/release/consult-loadgen (or $LOADGEN) at 64 in flight. ROUNDS (default 3) and TOTAL
# (default 20000) set the size. CONFIG defaults to deploy/dev.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:?baseline consultd}; cand=${2:?candidate consultd}; db=${3:-sqlite}
rounds=${ROUNDS:-3}; total=${TOTAL:-20000}
loadgen=${LOADGEN:-target/release/consult-loadgen}
pg_admin=${PG_ADMIN_URL:-postgres://postgres@localhost/postgres?host=/var/run/postgresql}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

run() { # label binary[:config] round
  local label=$1 bin=${2%%:*} config=deploy/dev.toml url name port=$((52000 + RANDOM % 2000))
  [[ $2 == *:* ]] && config=${2#*:}
  if [[ $db == postgres ]]; then
    name="consult_bench_${label}_$3_$$"
    psql -q "$pg_admin" -c "CREATE DATABASE $name" >/dev/null
    url="postgres://postgres@localhost/$name?host=/var/run/postgresql"
  else
    mkdir -p "$work/$label$3"; url="sqlite://$work/$label$3/consult.db"
  fi
  RUST_LOG=warn "$bin" --config "$config" --database-url "$url" \
    --listen "127.0.0.1:$port" --http-listen 127.0.0.1:0 >/dev/null 2>"$work/server.log" &
  local pid=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  "$loadgen" --addr "http://127.0.0.1:$port" --concurrency 64 --total "$total" >"$work/out" 2>&1 || cat "$work/out" >&2
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [[ $db == postgres ]] && psql -q "$pg_admin" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
  local rate p99 failed
  rate=$(grep -oE '[0-9.]+ comments/s' "$work/out" | head -1 | cut -d' ' -f1)
  p99=$(grep -oE 'p99 [0-9.]+ ms' "$work/out" | head -1 | cut -d' ' -f2)
  failed=$(grep -oE '[0-9]+ failed' "$work/out" | head -1 | cut -d' ' -f1)
  echo "$label round $3: $rate comments/s, p99 $p99 ms, $failed failed"
  echo "$rate" >>"$work/$label.rates"
}

for r in $(seq 1 "$rounds"); do
  run baseline "$base" "$r"
  run candidate "$cand" "$r"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
b=$(median "$work/baseline.rates"); c=$(median "$work/candidate.rates")
echo "median: baseline $b/s, candidate $c/s, ratio $(awk -v b="$b" -v c="$c" 'BEGIN {printf "%.2f", c/b}')"
