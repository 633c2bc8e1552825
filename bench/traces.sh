#!/usr/bin/env bash
# What traces cost a submission: the same consultd, driven alternately with traces off
# (deploy/dev.toml) and with every call a span exported to an OTLP/HTTP receiver on this machine
# (a Python server answering 200 to each batch, as a collector would). Prints each run and the
# ratio of the medians (traces on / off), through bench/submissions.sh, and how many spans the
# receiver took (each submission is one).
#
#   bench/traces.sh [sqlite|postgres]
#
# ROUNDS and TOTAL as for bench/submissions.sh; CONSULTD overrides target/release/consultd.
set -euo pipefail
cd "$(dirname "$0")/.."

consultd=${CONSULTD:-target/release/consultd}
work=$(mktemp -d)
port=$((56000 + RANDOM % 2000))
python3 - "$port" <<'PY' >"$work/receiver.log" 2>&1 &
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print(body.count(b'"spanId"'), flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
receiver=$!
trap 'kill $receiver 2>/dev/null || true; rm -rf "$work"' EXIT
cp deploy/dev.toml "$work/traced.toml"
printf '\n[traces]\nendpoint = "http://127.0.0.1:%s"\n' "$port" >>"$work/traced.toml"
bash bench/submissions.sh "$consultd" "$consultd:$work/traced.toml" "${1:-sqlite}"
sleep 2
echo "the receiver took $(wc -l <"$work/receiver.log") batches of $(awk '{n += $1} END {print n + 0}' "$work/receiver.log") spans"
