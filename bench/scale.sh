#!/usr/bin/env bash
# The scale benchmark of issue 12: one consultation of N comments, each step an officer takes
# timed against its target, the server's RSS sampled throughout (README, "Scale benchmark").
#
#   bench/scale.sh [N] [more consult-loadgen options]
#   bench/scale.sh 1000000 --database postgres://postgres@localhost/consult_scale?host=/var/run/postgresql
#
# Builds consultd with the test clock, consultctl and consult-loadgen in release mode, copies
# them to a folder of their own (so that another build in a shared target directory cannot swap
# them mid-run), then runs `consult-loadgen --scale N`. N defaults to 100000.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-100000}
shift || true
target=${CARGO_TARGET_DIR:-target}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cargo build --release -p consultd --features consultd/test-clock
cp "$target/release/consultd" "$bin/"
cargo build --release -p consultctl -p consult-loadgen
cp "$target/release/consultctl" "$target/release/consult-loadgen" "$bin/"
"$bin/consult-loadgen" --scale "$n" --consultd "$bin/consultd" --consultctl "$bin/consultctl" "$@"
