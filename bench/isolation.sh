#!/usr/bin/env bash
# Isolation benchmark (issue: per-tenant isolation): tenant B's latency with and without tenant A's Jira
# hanging (5 s per call) under 200 concurrent callers, all held in flight (A's in-flight limit is above 200). All on loopback, bounded in time; stops only the processes it started.
# Needs: the built jar (mvn -B -DskipTests package), wrk (Debian). Prints B's requests/s and p50/p99 both ways.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15}
UPSTREAM_PORT=${UPSTREAM_PORT:-18190}
GATEWAY_PORT=${GATEWAY_PORT:-18180}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18181}
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/registry.yml" <<YAML
plans:
  bench: { tenant: { rate: 1000000, burst: 1000000, in-flight: 250 }, subject: { rate: 1000000, burst: 1000000 } }
tenants:
  - { id: a, deployment: server, base-url: "http://127.0.0.1:$((UPSTREAM_PORT + 1))", plan: bench }
  - { id: b, deployment: server, base-url: "http://127.0.0.1:$UPSTREAM_PORT", plan: bench }
YAML

# Two Jiras, as two customers have: B's answers at once, A's (a second server) is made to hang.
java -Decho.threads=32 deploy/demo/EchoUpstream.java "$UPSTREAM_PORT" 2>"$work/upstream-b.log" &
pids+=($!)
java -Decho.threads=300 deploy/demo/EchoUpstream.java "$((UPSTREAM_PORT + 1))" 2>"$work/upstream-a.log" &
pids+=($!)
java -XX:-UsePerfData -jar gateway/target/infosysta-gateway.jar --server.port="$GATEWAY_PORT" \
  --management.server.port="$MANAGEMENT_PORT" --infosysta.gateway.registry-file="$work/registry.yml" \
  --infosysta.gateway.upstream.allow-http=true --infosysta.gateway.upstream.allow-private-addresses=true \
  --infosysta.gateway.upstream.response-timeout=60s \
  --infosysta.gateway.subject-key-secret=isolation-benchmark-subject-key-secret-0123 >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$MANAGEMENT_PORT/actuator/health/readiness" >/dev/null 2>&1 && break
  sleep 0.5
done

auth="Authorization: Basic $(printf 'bench:secret' | base64)"
echo "one call of A: $(curl -s -m 20 -o /dev/null -w '%{http_code} in %{time_total}s' -H "$auth" \
  "http://127.0.0.1:$GATEWAY_PORT/jira/a/rest/api/2/slow/5000")"
b_url="http://127.0.0.1:$GATEWAY_PORT/jira/b/rest/api/2/issue/DEMO-1"
measure() { wrk -t1 -c16 -d"${DURATION}s" --latency -H "$auth" "$b_url"; }

wrk -t1 -c16 -d5s -H "$auth" "$b_url" >/dev/null    # warm-up
alone=$(measure)
wrk -t1 -c200 -d"$((DURATION + 10))s" --timeout 30s -H "$auth" \
  "http://127.0.0.1:$GATEWAY_PORT/jira/a/rest/api/2/slow/5000" >"$work/a.txt" 2>&1 &
a_load=$!
pids+=($a_load)
sleep 3
troubled=$(measure)
wait "$a_load" || true

row() {
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$2")
  p50=$(awk '$1=="50%" {print $2}' <<<"$2")
  p99=$(awk '$1=="99%" {print $2}' <<<"$2")
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}
echo "| tenant B | req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|"
row "alone" "$alone"
row "while A's Jira hangs 5 s for each of 200 callers" "$troubled"
echo
echo "tenant A's answers while hanging (each takes 5 s, so about 200 x duration / 5 calls):"
grep -E "requests in|Non-2xx|Socket errors" "$work/a.txt" || true
curl -s "http://127.0.0.1:$MANAGEMENT_PORT/actuator/prometheus" \
  | grep -E '^(infosysta_gateway_resilience_rejections_total|resilience4j_circuitbreaker_state\{.*state="open")' || true
