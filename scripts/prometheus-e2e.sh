#!/usr/bin/env bash
# End-to-end check with the real Prometheus (Debian's `prometheus` package):
# mock Management API -> `poolwatch serve` -> Prometheus scrape -> Prometheus HTTP API.
#   1. `promtool check metrics` on the exposition `serve` answers on /metrics;
#   2. Prometheus scrapes `serve` on loopback until `poolwatch_pool_remaining_plus_percent`
#      has the value `poolwatch metrics` prints for the same pool;
#   3. `promtool check rules` and `promtool test rules` on contrib/prometheus/.
# Everything listens on 127.0.0.1 and lives in a temp dir; every process started here is
# stopped on exit. Usage: bash scripts/prometheus-e2e.sh   (needs prometheus, promtool, curl)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in prometheus promtool curl python3; do
  command -v "$tool" >/dev/null || { echo "prometheus-e2e: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# wait_for FILE PATTERN: until FILE has a line matching PATTERN (at most 60 s).
wait_for() {
  for _ in $(seq 1 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "prometheus-e2e: timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

cargo build --quiet --bin poolwatch --example mock_server
bin=target/debug/poolwatch

# 1. The mock pool.
target/debug/examples/mock_server --accounts 5 --port 0 --key e2e-management-key \
  >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)
wait_for "$work/mock.out" "listening on"
pool_url=$(sed -n 's/^listening on //p' "$work/mock.out")
cat >"$work/config.toml" <<CONF
pool_url = "$pool_url"
usage_url = "$pool_url/backend-api/wham/usage"
reset_credits_url = "$pool_url/backend-api/wham/rate-limit-reset-credits"
claude_usage_url = "$pool_url/api/oauth/usage"
claude_profile_url = "$pool_url/api/oauth/profile"
antigravity_urls = ["$pool_url/agy"]
kimi_usage_url = "$pool_url/coding/v1/usages"
CONF
export POOLWATCH_CONFIG="$work/config.toml" POOLWATCH_CACHE_DIR="$work/cache"
export POOLWATCH_SNAPSHOT_PATH="$work/snapshot.json" POOLWATCH_MANAGEMENT_KEY=e2e-management-key
export HOME="$work/home"

# 2. poolwatch serve on loopback.
"$bin" serve --listen 127.0.0.1:0 --interval 2 2>"$work/serve.err" &
pids+=($!)
wait_for "$work/serve.err" "serving http://"
serve_addr=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.err" | head -1)
for _ in $(seq 1 300); do
  curl -fsS "$serve_addr/metrics" >"$work/exposition.txt" 2>/dev/null || true
  grep -q '^poolwatch_pool_remaining_plus_percent{profile="default",window="5h"}' "$work/exposition.txt" && break
  sleep 0.1
done
grep -q '^poolwatch_pool_remaining_plus_percent' "$work/exposition.txt" \
  || { echo "prometheus-e2e: serve never exported the pool" >&2; cat "$work/serve.err" >&2; exit 1; }
promtool check metrics <"$work/exposition.txt"
echo "prometheus-e2e: promtool check metrics: ok"
if grep -q e2e-management-key "$work/exposition.txt"; then
  echo "prometheus-e2e: the management key leaked into /metrics" >&2; exit 1
fi

# The value the CLI computes for the same pool (it reads the cache serve wrote).
expected=$("$bin" metrics | sed -n 's/^poolwatch_pool_remaining_plus_percent{profile="default",window="5h"} //p')
[ -n "$expected" ] || { echo "prometheus-e2e: poolwatch metrics has no 5h remaining" >&2; exit 1; }

# 3. Prometheus scraping serve.
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $PWD/contrib/prometheus/poolwatch.rules.yml
scrape_configs:
  - job_name: poolwatch
    static_configs:
      - targets: ["${serve_addr#http://}"]
CONF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
query='poolwatch_pool_remaining_plus_percent{profile="default",window="5h"}'
got=""
for _ in $(seq 1 600); do
  got=$(curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$query" 2>/dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null || true)
  [ -n "$got" ] && break
  sleep 0.1
done
if [ -z "$got" ]; then
  echo "prometheus-e2e: Prometheus never got $query" >&2; tail -20 "$work/prometheus.log" >&2; exit 1
fi
python3 - "$got" "$expected" <<'PY'
import sys
got, want = float(sys.argv[1]), float(sys.argv[2])
if abs(got - want) > 1e-6:
    sys.exit(f"prometheus-e2e: Prometheus has {got}, poolwatch metrics says {want}")
print(f"prometheus-e2e: Prometheus scraped poolwatch_pool_remaining_plus_percent{{window=\"5h\"}} = {got}")
PY

# 4. The shipped rules.
promtool check rules contrib/prometheus/poolwatch.rules.yml
promtool test rules contrib/prometheus/poolwatch.rules.test.yml
echo "prometheus-e2e: ok"
