#!/usr/bin/env bash
# What looking a calling system up in the register costs a submission: one server, one
# database, driven alternately with the configuration file's portal token (resolved in memory)
# and with the token of a portal registered at run time (one indexed read per call, so that a
# disabled system is refused at once on every replica). Prints each run and the ratio of the
# medians (registered / configured).
#
#   bench/registered_caller.sh [sqlite|postgres]
#
# ROUNDS (default 3) and TOTAL (default 20000) set the size; binaries from target/release
# (CONSULTD, LOADGEN, CONSULTCTL override them).
set -euo pipefail
cd "$(dirname "$0")/.."

db=${1:-sqlite}
rounds=${ROUNDS:-3}; total=${TOTAL:-20000}
consultd=${CONSULTD:-target/release/consultd}
loadgen=${LOADGEN:-target/release/consult-loadgen}
consultctl=${CONSULTCTL:-target/release/consultctl}
pg_admin=${PG_ADMIN_URL:-postgres://postgres@localhost/postgres?host=/var/run/postgresql}
work=$(mktemp -d)
name="consult_bench_caller_$$"
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [[ $db == postgres ]] && psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [[ $db == postgres ]]; then
  psql -q "$pg_admin" -c "CREATE DATABASE $name" >/dev/null
  url="postgres://postgres@localhost/$name?host=/var/run/postgresql"
else
  url="sqlite://$work/consult.db"
fi
port=$((54000 + RANDOM % 2000))
RUST_LOG=warn "$consultd" --config deploy/dev.toml --database-url "$url" \
  --listen "127.0.0.1:$port" --http-listen 127.0.0.1:0 >/dev/null 2>"$work/server.log" &
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

token="bench-registered-portal-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
digest=$(printf '%s' "$token" | "$consultd" hash-token)
"$consultctl" --server "http://127.0.0.1:$port" --token dev-admin calling-system add \
  bench-portal --name "压测门户" --channel portal --token-sha256 "$digest" >/dev/null

run() { # label token round
  "$loadgen" --addr "http://127.0.0.1:$port" --token "$2" --concurrency 64 --total "$total" \
    >"$work/out" 2>&1 || cat "$work/out" >&2
  local rate p99 failed
  rate=$(grep -oE '[0-9.]+ comments/s' "$work/out" | head -1 | cut -d' ' -f1)
  p99=$(grep -oE 'p99 [0-9.]+ ms' "$work/out" | head -1 | cut -d' ' -f2)
  failed=$(grep -oE '[0-9]+ failed' "$work/out" | head -1 | cut -d' ' -f1)
  echo "$1 round $3: $rate comments/s, p99 $p99 ms, $failed failed"
  echo "$rate" >>"$work/$1.rates"
}

for r in $(seq 1 "$rounds"); do
  run configured dev-portal "$r"
  run registered "$token" "$r"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
b=$(median "$work/configured.rates"); c=$(median "$work/registered.rates")
echo "median: configured $b/s, registered $c/s, ratio $(awk -v b="$b" -v c="$c" 'BEGIN {printf "%.2f", c/b}')"
