#!/usr/bin/env bash
# Load harness (issue #9): the gateway beside nginx and a vanilla Spring Cloud Gateway, in one run, on loopback.
#
#   flock /tmp/mvn.lock bench/run.sh [options]
#
# Run it under the Maven lock (as above) so that no build shares the two cores while it measures.
# Needs: gateway/target/infosysta-gateway.jar (mvn -B -DskipTests clean package: without clean, a change in the
# filters module alone can leave the old jar in place), bench/vanilla-scg/target/vanilla-scg.jar
# (mvn -B -Pbench -pl bench/vanilla-scg package), Debian's nginx and wrk, python3, a JDK (jcmd, jfr), perf for
# --profile if present.
#
# An nginx upstream (a stand-in Jira) serves a 2.7 KB issue JSON at /rest/api/3/issue/DEMO-1 and a 1 MiB
# attachment at /secure/attachment/10001/report.bin. Four targets in front of it, one after another, each started
# for its turn and stopped after it:
#   nginx   nginx as a reverse proxy with a keep-alive upstream pool (the reference)
#   scg     vanilla Spring Cloud Gateway: one static route, default settings, JVM defaults (bench/vanilla-scg)
#   full    the gateway's whole chain: an app UI's allow-listed Jira call with a Connect JWT (HS256 + qsh
#           verified), tenant and subject rate limits on a plan too high to trigger, breaker, bulkhead, metrics,
#           access log, and a fresh outbound Connect JWT signed for Jira
#   basic   the gateway with a Basic pass-through on /jira/{tenant}/rest/api/3/issue/DEMO-1
# Each gets a warm-up, then a measured wrk run (--latency), then a short run on the attachment. Per target: req/s,
# p50, p99, non-2xx and socket errors, CPU µs per request of the proxy's own processes (utime + stime from /proc
# over the measured run / requests), peak RSS, and ratios to nginx and to vanilla SCG.
#
# The gateway's JVM flags come from config/jvm.options (one flag per line, # comments), plus -Xmx<--heap> when
# that file sets no -Xmx (it sizes the heap from a container's limit; this box has none). Everything runs from a
# temporary folder that is removed at the end; every process the harness starts is stopped by its PID, also on
# Ctrl-C or failure.
#
# Options (defaults in brackets):
#   --passes N            run the targets N times; prints each pass and the medians [1]
#   --warmup S            longest warm-up per target, in 10 s rounds that stop once two in a row agree within
#                         5 % [90; a JVM's JIT needs a minute or more on two slow cores]
#   --duration S          measured seconds per target [30]
#   --attachment S        measured seconds on the 1 MiB attachment per target, 0 to skip [8]
#   --connections N       wrk connections [64]
#   --threads N           wrk threads [2]
#   --targets LIST        comma-separated subset of direct,nginx,scg,full,basic [all]; direct is the upstream
#                         alone for 5 s, no proxy: how fast the machine is today (compare runs by it)
#   --heap SIZE           the gateway's -Xmx when config/jvm.options sets none [256m: what MaxRAMPercentage=50
#                         gives in a 512 MiB container]
#   --scg-jvm "FLAGS"     JVM flags for the vanilla SCG [none: JVM defaults]
#   --profile             record the gateway during its measured runs (JFR execution samples, and perf when
#                         installed) and print the hottest frames and packages (adds some overhead to those runs)
#   --soak                instead of the table: 10 minutes of the full chain at half its peak rate, with heap
#                         after GC and direct memory at start and end
#   --soak-minutes M      soak length [10]
#   --soak-rate R         soak requests/s instead of half the measured peak
#   --port-base P         ports P+1..P+5 on 127.0.0.1 [18300]
#   --keep                keep the temporary folder (logs, wrk output, JFR and perf files) and print its path
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

passes=1
warmup=90
duration=30
attachment=8
connections=64
threads=2
targets="direct,nginx,scg,full,basic"
heap=256m
scg_jvm=""
profile=0
soak=0
soak_minutes=10
soak_rate=""
port_base=18300
keep=0
while (($#)); do
	case "$1" in
		--passes) passes=$2; shift 2 ;;
		--warmup) warmup=$2; shift 2 ;;
		--duration) duration=$2; shift 2 ;;
		--attachment) attachment=$2; shift 2 ;;
		--connections) connections=$2; shift 2 ;;
		--threads) threads=$2; shift 2 ;;
		--targets) targets=$2; shift 2 ;;
		--heap) heap=$2; shift 2 ;;
		--scg-jvm) scg_jvm=$2; shift 2 ;;
		--profile) profile=1; shift ;;
		--soak) soak=1; shift ;;
		--soak-minutes) soak_minutes=$2; shift 2 ;;
		--soak-rate) soak_rate=$2; shift 2 ;;
		--port-base) port_base=$2; shift 2 ;;
		--keep) keep=1; shift ;;
		-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
	esac
done

gateway_jar=$repo/gateway/target/infosysta-gateway.jar
scg_jar=$repo/bench/vanilla-scg/target/vanilla-scg.jar
for need in /usr/sbin/nginx wrk python3 java jcmd curl; do
	command -v "$need" >/dev/null || { echo "missing: $need" >&2; exit 1; }
done
[[ -f $gateway_jar ]] || { echo "missing $gateway_jar: mvn -B -DskipTests clean package" >&2; exit 1; }
if [[ ,$targets, == *,scg,* ]] && ((!soak)) && [[ ! -f $scg_jar ]]; then
	echo "missing $scg_jar: mvn -B -Pbench -pl bench/vanilla-scg package" >&2
	exit 1
fi

upstream_port=$((port_base + 1))
nginx_port=$((port_base + 2))
scg_port=$((port_base + 3))
gateway_port=$((port_base + 4))
management_port=$((port_base + 5))
for port in "$upstream_port" "$nginx_port" "$scg_port" "$gateway_port" "$management_port"; do
	if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "port $port on 127.0.0.1 is in use (choose another --port-base)" >&2
		exit 1
	fi
done

work=$(mktemp -d /tmp/bench-run.XXXXXX)
# nginx's workers run as an unprivileged user: they must be able to read the files they serve.
chmod 755 "$work"
mkdir -p "$work/tmp" "$work/www/rest/api/3/issue" "$work/www/secure/attachment/10001" "$work/out"
pids=()
perf_maps=()

stop_pid() {
	local pid=$1
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	rm -f "${perf_maps[@]}"
	if ((keep)); then
		echo "kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
	local pid=$1 kept=() p
	for p in "${pids[@]}"; do
		[[ $p == "$pid" ]] || kept+=("$p")
	done
	pids=("${kept[@]}")
}

ticks_per_second=$(getconf CLK_TCK)

# utime + stime of a process and of its direct children (nginx's workers), in clock ticks.
cpu_ticks() {
	local total=0 pid fields
	for pid in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
		fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
		# After the command name: state is field 1, utime field 12, stime field 13.
		total=$((total + $(awk '{print $12 + $13}' <<<"$fields")))
	done
	echo "$total"
}

# Peak resident set of a process and its direct children, in KiB.
peak_rss_kib() {
	local total=0 pid value
	for pid in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
		value=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
		total=$((total + ${value:-0}))
	done
	echo "$total"
}

# wait_http URL SECONDS LOG PID [curl args]: until URL answers 200; fails early when PID has died.
# CPU ticks of the whole machine spent busy (all cores), and of this shell's reaped children (wrk, once waited).
machine_busy_ticks() {
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}
# In this shell, not a subshell (a forked subshell's children start from zero): sets children_now.
children_ticks() {
	times >"$work/times"
	children_now=$(awk -v hz="$ticks_per_second" 'NR == 2 {
		split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz}' \
		"$work/times")
}

wait_http() {
	local url=$1 seconds=$2 log=$3 pid=$4
	shift 4
	for _ in $(seq 1 $((seconds * 5))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "the process behind $url stopped; last lines of $log:" >&2
			tail -n 5 "$log" >&2 || true
			exit 1
		fi
		if [[ $(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null) == 200 ]]; then
			return 0
		fi
		sleep 0.2
	done
	echo "no 200 from $url within ${seconds}s; last lines of $log:" >&2
	tail -n 5 "$log" >&2 || true
	exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# The upstream, the registry, the credentials

cp bench/nginx/issue-DEMO-1.json "$work/www/rest/api/3/issue/DEMO-1"
head -c 1048576 /dev/urandom >"$work/www/secure/attachment/10001/report.bin"
issue_bytes=$(wc -c <"$work/www/rest/api/3/issue/DEMO-1")
issue_path=/rest/api/3/issue/DEMO-1
attachment_path=/secure/attachment/10001/report.bin

render_nginx() {
	sed -e "s#@WORK@#$work#g" -e "s#@UPSTREAM_PORT@#$upstream_port#g" -e "s#@PROXY_PORT@#$nginx_port#g" "$1" >"$2"
}
render_nginx bench/nginx/upstream.conf "$work/upstream.conf"
render_nginx bench/nginx/proxy.conf "$work/proxy.conf"

/usr/sbin/nginx -p "$work" -c "$work/upstream.conf" -g 'daemon off;' &
upstream_pid=$!
pids+=("$upstream_pid")
wait_http "http://127.0.0.1:$upstream_port$issue_path" 10 "$work/nginx-upstream.error.log" "$upstream_pid"

app=bench-app
app_key=com.infosysta.bench
client_key=bench-client-key
shared_secret=bench-shared-secret-0123456789abcdef-0123456789
subject_key_secret=bench-subject-key-secret-0123456789abcdef
cat >"$work/registry.yml" <<YAML
plans:
  bench: { tenant: { rate: 1000000, burst: 1000000, in-flight: 1000 }, subject: { rate: 1000000, burst: 1000000 } }
tenants:
  - id: site
    deployment: cloud
    base-url: "http://127.0.0.1:$upstream_port"
    cloud-id: 5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11
    client-key: $client_key
    apps:
      $app: { shared-secret: $shared_secret }
    plan: bench
  - id: server
    deployment: server
    base-url: "http://127.0.0.1:$upstream_port"
    plan: bench
YAML

# A Connect JWT as Jira gives an app's UI (iss = the site's client key), for exactly GET <path> without a query,
# valid for the whole run and a margin.
connect_jwt() {
	python3 - "$1" "$2" "$client_key" "$shared_secret" <<'PY'
import base64, hashlib, hmac, json, sys, time
path, lifetime, issuer, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def b64(data):
	return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
# Atlassian's canonical request: METHOD&path-relative-to-the-base&sorted-query (none here).
qsh = hashlib.sha256(("GET&" + path + "&").encode()).hexdigest()
now = int(time.time())
header = b64(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
claims = b64(json.dumps({"iss": issuer, "sub": "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", "iat": now,
	"exp": now + lifetime, "qsh": qsh}, separators=(",", ":")).encode())
signature = b64(hmac.new(secret.encode(), (header + "." + claims).encode(), hashlib.sha256).digest())
print(header + "." + claims + "." + signature)
PY
}
run_seconds=$((passes * 4 * (90 + warmup + duration + attachment) + (soak ? soak_minutes * 60 + 300 : 0) + 600))
jwt_issue=$(connect_jwt "$issue_path" "$run_seconds")
jwt_attachment=$(connect_jwt "$attachment_path" "$run_seconds")
basic="Basic $(printf 'bench-user:bench-password' | base64)"

# The gateway's JVM flags: config/jvm.options (the same argument file the start script and the image use), then
# a heap size: the file sizes the heap from a container's memory limit, which this box does not have.
gateway_jvm=()
jvm_extra=()
if [[ -f config/jvm.options ]]; then
	gateway_jvm+=("@$repo/config/jvm.options")
	jvm_note="$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' config/jvm.options | xargs) (config/jvm.options)"
else
	jvm_note="no config/jvm.options: JVM defaults"
fi
if ! grep -qsE '^[[:space:]]*-(Xmx|XX:MaxHeapSize=)' config/jvm.options; then
	jvm_extra+=("-Xmx$heap")
fi
if ((soak || profile)); then
	# jcmd (full GC, native memory, JFR) needs to attach, which production forbids.
	jvm_extra+=(-XX:-DisableAttachMechanism)
fi
gateway_jvm+=("${jvm_extra[@]}")

# ---------------------------------------------------------------------------------------------------------------
# Targets

target_pid=""
target_url=""
attachment_url=""
auth_header=""
attachment_auth=""

start_target() {
	local target=$1 extra=()
	case "$target" in
		direct)
			# Not a proxy: the upstream alone, a measure of how fast this machine is today.
			target_pid=$upstream_pid
			target_url="http://127.0.0.1:$upstream_port$issue_path"
			attachment_url="http://127.0.0.1:$upstream_port$attachment_path"
			auth_header="" attachment_auth=""
			return 0
			;;
		nginx)
			/usr/sbin/nginx -p "$work" -c "$work/proxy.conf" -g 'daemon off;' &
			target_pid=$!
			target_url="http://127.0.0.1:$nginx_port$issue_path"
			attachment_url="http://127.0.0.1:$nginx_port$attachment_path"
			auth_header="" attachment_auth=""
			;;
		scg)
			# shellcheck disable=SC2086 # the flags are words on purpose
			java $scg_jvm -jar "$scg_jar" --server.port="$scg_port" \
				--upstream.url="http://127.0.0.1:$upstream_port" >"$work/out/scg.log" 2>&1 &
			target_pid=$!
			target_url="http://127.0.0.1:$scg_port$issue_path"
			attachment_url="http://127.0.0.1:$scg_port$attachment_path"
			auth_header="" attachment_auth=""
			;;
		full | basic | soak)
			if ((profile)) && [[ $target != soak ]]; then
				mkdir -p "$work/jfr"
				# Reactor's stacks are deep: 64 frames (JFR's default) would cut off the filters that called them.
				extra+=("-XX:FlightRecorderOptions=repository=$work/jfr,stackdepth=256"
					"-XX:StartFlightRecording=name=bench,settings=profile,maxage=10m")
			fi
			if [[ $target == soak ]]; then
				# Native memory tracking counts Netty's direct memory, which the JDK's buffer pools do not see.
				extra+=(-XX:NativeMemoryTracking=summary)
			fi
			java "${gateway_jvm[@]}" "${extra[@]}" -jar "$gateway_jar" --server.port="$gateway_port" \
				--management.server.port="$management_port" \
				--infosysta.gateway.registry-file="$work/registry.yml" \
				--infosysta.gateway.upstream.allow-http=true \
				--infosysta.gateway.upstream.allow-private-addresses=true \
				--infosysta.gateway.subject-key-secret="$subject_key_secret" \
				--infosysta.gateway.rate-limit.failed-auth.burst=100000 \
				--infosysta.gateway.apps.$app.key="$app_key" \
				"--infosysta.gateway.apps.$app.jira-calls[0]=GET /rest/api/3/issue/{key}" \
				"--infosysta.gateway.apps.$app.jira-calls[1]=GET /secure/attachment/**" \
				>"$work/out/$target.log" 2>&1 &
			target_pid=$!
			if [[ $target == basic ]]; then
				target_url="http://127.0.0.1:$gateway_port/jira/server$issue_path"
				attachment_url="http://127.0.0.1:$gateway_port/jira/server$attachment_path"
				auth_header=$basic attachment_auth=$basic
			else
				target_url="http://127.0.0.1:$gateway_port/apps/$app/jira$issue_path"
				attachment_url="http://127.0.0.1:$gateway_port/apps/$app/jira$attachment_path"
				auth_header="JWT $jwt_issue" attachment_auth="JWT $jwt_attachment"
			fi
			;;
		*) echo "unknown target: $target" >&2; exit 2 ;;
	esac
	pids+=("$target_pid")
	local log="$work/out/$target.log"
	[[ $target == nginx ]] && log="$work/nginx-proxy.error.log"
	local auth=()
	[[ -n $auth_header ]] && auth=(-H "Authorization: $auth_header")
	wait_http "$target_url" 90 "$log" "$target_pid" "${auth[@]}"
	# The same bytes as straight from the upstream, or the numbers mean nothing.
	local got
	got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${auth[@]}" "$target_url")
	if [[ $got != "200 $issue_bytes" ]]; then
		echo "$target answered '$got', expected '200 $issue_bytes'" >&2
		exit 1
	fi
}

stop_target() {
	if [[ $target_pid == "$upstream_pid" ]]; then
		target_pid=""
		return 0
	fi
	stop_pid "$target_pid"
	forget_pid "$target_pid"
	target_pid=""
}

# wrk_run OUT SECONDS URL AUTH [extra wrk args]: runs wrk in the background while sampling nothing; returns when done.
wrk_run() {
	local out=$1 seconds=$2 url=$3 auth=$4
	shift 4
	local args=(-t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency "$@")
	[[ -n $auth ]] && args+=(-H "Authorization: $auth")
	wrk "${args[@]}" "$url" >"$out" 2>&1 &
	local wrk_pid=$!
	pids+=("$wrk_pid")
	wait "$wrk_pid" || true
	forget_pid "$wrk_pid"
}

# measure TARGET PASS KIND SECONDS URL AUTH: one measured wrk run; appends a row to results.tsv.
measure() {
	local target=$1 pass=$2 kind=$3 seconds=$4 url=$5 auth=$6
	local out="$work/out/$target-$kind-$pass.txt"
	local before after busy_before busy_after upstream_before upstream_after children_before children_after
	local profiling=0 perf_pid=""
	if ((profile)) && [[ $kind == json && ($target == full || $target == basic) ]]; then
		profiling=1
		if command -v perf >/dev/null; then
			# The whole process, kernel and JVM included (JFR sees Java frames only).
			perf record -q -F 499 -p "$target_pid" -o "$work/out/$target-$pass.perf" -- sleep "$seconds" \
				>/dev/null 2>&1 &
			perf_pid=$!
			pids+=("$perf_pid")
		fi
	fi
	busy_before=$(machine_busy_ticks)
	upstream_before=$(cpu_ticks "$upstream_pid")
	children_ticks
	children_before=$children_now
	before=$(cpu_ticks "$target_pid")
	wrk_run "$out" "$seconds" "$url" "$auth"
	after=$(cpu_ticks "$target_pid")
	children_ticks
	children_after=$children_now
	upstream_after=$(cpu_ticks "$upstream_pid")
	busy_after=$(machine_busy_ticks)
	[[ $target_pid == "$upstream_pid" ]] && upstream_after=$upstream_before
	# What the rest of the machine took meanwhile: all busy time minus the proxy, the upstream and wrk.
	local others=$((busy_after - busy_before - (after - before) - (upstream_after - upstream_before) \
		- (children_after - children_before)))
	local others_percent=$((others * 100 / (seconds * ticks_per_second * $(nproc))))
	if ((profiling)); then
		# The recording runs from the JVM's start (starting it later throws the JIT's work away); keep the window.
		jcmd "$target_pid" JFR.dump name=bench begin="-${seconds}s" filename="$work/out/$target-$pass.jfr" >/dev/null
		if [[ -n $perf_pid ]]; then
			wait "$perf_pid" || true
			forget_pid "$perf_pid"
			# Names for the JIT's code in perf's report (/tmp/perf-<pid>.map, removed at the end).
			jcmd "$target_pid" Compiler.perfmap >/dev/null 2>&1 && perf_maps+=("/tmp/perf-$target_pid.map")
		fi
	fi
	python3 - "$out" "$target" "$pass" "$kind" "$((after - before))" "$ticks_per_second" \
		"$(peak_rss_kib "$target_pid")" "$others_percent" >>"$work/results.tsv" <<'PY'
import re, sys
out, target, run, kind, ticks, hz, rss, others = sys.argv[1:9]
text = open(out).read()
def millis(value):
	number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
	return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
def first(pattern, default=None):
	match = re.search(pattern, text, re.M)
	return match.group(1) if match else default
requests = int(first(r"^\s*(\d+) requests in", "0"))
rps = float(first(r"^Requests/sec:\s*([\d.]+)", "0"))
p50 = millis(first(r"^\s*50%\s+(\S+)", "0us"))
p99 = millis(first(r"^\s*99%\s+(\S+)", "0us"))
non2xx = int(first(r"Non-2xx or 3xx responses:\s*(\d+)", "0"))
match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
socket_errors = sum(int(g) for g in match.groups()) if match else 0
transfer = first(r"^Transfer/sec:\s*(\S+)", "0B")
cpu_us = (int(ticks) / int(hz) * 1e6 / requests) if requests else 0
print("\t".join(str(v) for v in (run, target, kind, f"{rps:.0f}", f"{p50:.2f}", f"{p99:.2f}", non2xx, socket_errors,
	f"{cpu_us:.1f}", f"{int(rss) / 1024:.0f}", transfer, requests, max(0, int(others)))))
PY
}

# Warm-up in 10 s rounds until two rounds in a row agree within 5 %, at most --warmup seconds. A JVM gets at least
# six rounds: on two slow cores its JIT plateaus for a while and then gains again for a minute or more.
warm_up() {
	local target=$1 pass=$2 round=0 previous=0 rate rates="" least=6
	[[ $target == nginx || $target == direct ]] && least=1
	while ((round * 10 < warmup)); do
		round=$((round + 1))
		wrk_run "$work/out/$target-warmup-$pass-$round.txt" 10 "$target_url" "$auth_header"
		rate=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/out/$target-warmup-$pass-$round.txt")
		rates="$rates ${rate:-0}"
		if ((round >= least && previous > 0)) && (((rate - previous) * 100 / previous < 5)) \
			&& (((previous - rate) * 100 / previous < 5)); then
			break
		fi
		previous=${rate:-0}
	done
	echo "[pass $pass] $target: warm-up req/s per 10 s:$rates" >&2
	echo "$pass	$target	$((round * 10))	$rates" >>"$work/warmups.tsv"
}

run_target() {
	local target=$1 pass=$2
	echo "[pass $pass] $target: starting" >&2
	start_target "$target"
	if [[ $target == direct ]]; then
		wrk_run "$work/out/direct-warmup-$pass.txt" 3 "$target_url" ""
		measure direct "$pass" json 5 "$target_url" ""
		stop_target
		return 0
	fi
	warm_up "$target" "$pass"
	echo "[pass $pass] $target: measuring ${duration}s" >&2
	measure "$target" "$pass" json "$duration" "$target_url" "$auth_header"
	if ((attachment > 0)); then
		echo "[pass $pass] $target: attachment ${attachment}s" >&2
		measure "$target" "$pass" attachment "$attachment" "$attachment_url" "$attachment_auth"
	fi
	stop_target
}

print_tables() {
	python3 - "$work/results.tsv" "$passes" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
passes = int(sys.argv[2])
names = {"direct": "upstream alone (no proxy; machine speed)", "nginx": "nginx proxy", "scg": "vanilla SCG",
	"full": "gateway, full chain (Connect JWT)",
	"basic": "gateway, Basic pass-through"}
order = ["direct", "nginx", "scg", "full", "basic"]

def table(kind, selected, title):
	by_target = {}
	for r in selected:
		if r[2] == kind:
			by_target.setdefault(r[1], []).append(r)
	if not by_target:
		return
	def med(target, index):
		return statistics.median(float(r[index]) for r in by_target[target])
	print(f"\n{title}\n")
	if kind == "json":
		print("| target | req/s | p50 ms | p99 ms | non-2xx | socket errors | CPU µs/req | RSS MiB"
			" | req/s vs nginx | req/s vs SCG | CPU vs nginx | CPU vs SCG | others' CPU |")
		print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	else:
		print("| target | req/s | MiB/s | p50 ms | p99 ms | non-2xx | socket errors | CPU µs/req | req/s vs nginx"
			" | req/s vs SCG |")
		print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	def ratio(target, base, index):
		if base not in by_target or target not in by_target:
			return "–"
		b = med(base, index)
		return f"{med(target, index) / b:.2f}" if b else "–"
	for target in order:
		if target not in by_target:
			continue
		rps, p50, p99 = med(target, 3), med(target, 4), med(target, 5)
		non2xx = int(sum(int(r[6]) for r in by_target[target]))
		errors = int(sum(int(r[7]) for r in by_target[target]))
		cpu, rss = med(target, 8), max(float(r[9]) for r in by_target[target])
		if kind == "json":
			print(f"| {names[target]} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {non2xx} | {errors} | {cpu:.1f} | {rss:.0f}"
				f" | {ratio(target, 'nginx', 3)} | {ratio(target, 'scg', 3)} | {ratio(target, 'nginx', 8)}"
				f" | {ratio(target, 'scg', 8)} | {med(target, 12):.0f} % |")
		else:
			mibs = rps  # one 1 MiB body per request
			print(f"| {names[target]} | {rps:,.0f} | {mibs:,.0f} | {p50:.2f} | {p99:.2f} | {non2xx} | {errors}"
				f" | {cpu:.1f} | {ratio(target, 'nginx', 3)} | {ratio(target, 'scg', 3)} |")
	return by_target

def goals(by_target):
	if not by_target or "scg" not in by_target or "nginx" not in by_target:
		return
	def med(target, index):
		return statistics.median(float(r[index]) for r in by_target[target])
	print("\nIssue #9 goals (medians):")
	def line(ok, text):
		print(f"  [{'met' if ok else 'MISSED'}] {text}")
	scg, nginx_p99 = med("scg", 3), med("nginx", 5)
	if "full" in by_target:
		line(med("full", 3) >= scg, f"full chain req/s >= 1.0x vanilla SCG: {med('full', 3) / scg:.2f}x (aim 1.2x)")
		line(med("full", 8) <= 80, f"full chain CPU <= 80 µs/request: {med('full', 8):.1f}")
	if "basic" in by_target:
		line(med("basic", 3) >= 1.2 * scg, f"Basic pass-through req/s >= 1.2x vanilla SCG: {med('basic', 3) / scg:.2f}x")
	for target in ("full", "basic"):
		if target in by_target:
			line(med(target, 5) <= 2 * nginx_p99 + 3,
				f"{target} p99 <= 2 x nginx p99 + 3 ms: {med(target, 5):.2f} vs {2 * nginx_p99 + 3:.2f} ms")
			rss = max(float(r[9]) for r in by_target[target])
			line(rss <= 384, f"{target} RSS <= 384 MiB: {rss:.0f}")

runs = sorted({r[0] for r in rows}, key=int)
if passes > 1:
	for run in runs:
		table("json", [r for r in rows if r[0] == run], f"Pass {run}: issue JSON")
result = table("json", rows, "Issue JSON, " + (f"medians of {len(runs)} passes" if len(runs) > 1 else "one pass")
	+ " (RSS: the largest peak)")
table("attachment", rows, "1 MiB attachment, " + (f"medians of {len(runs)} passes" if len(runs) > 1 else "one pass"))
print("\nCPU µs/req: the proxy's own processes (utime + stime) over the measured run / requests. others' CPU: what"
	" processes other than the proxy, the upstream and wrk took of the machine's cores meanwhile (noise).")
goals(result)
PY
}

# Aggregates the JFR execution samples of a target: the hottest frames (self), our packages and the libraries
# (self), and our filters with what they call (inclusive).
print_profile() {
	local target=$1
	local files=("$work"/out/"$target"-*.jfr)
	[[ -f ${files[0]} ]] || return 0
	local perf_file
	for perf_file in "$work"/out/"$target"-*.perf; do
		[[ -f $perf_file ]] || continue
		echo
		echo "Where the whole process's CPU goes, $target ($(basename "$perf_file"), perf at 499 Hz):"
		echo
		echo '```'
		# head closes the pipe early: not a failure.
		perf report -i "$perf_file" --sort dso --stdio 2>/dev/null | grep -vE '^#|^$' | head -n 8 || true
		echo
		perf report -i "$perf_file" --sort dso,sym --stdio 2>/dev/null | grep -vE '^#|^$' | head -n 30 || true
		echo '```'
	done
	local requests
	requests=$(awk -F'\t' -v t="$target" '$2 == t && $3 == "json" {s += $12} END {print s}' "$work/results.tsv")
	local file samples="$work/out/$target-samples.txt"
	for file in "${files[@]}"; do
		jfr print --stack-depth 256 --events jdk.ExecutionSample "$file"
	done >"$samples"
	python3 - "$target" "$requests" "$samples" \
		$(awk -F'\t' -v t="$target" '$2 == t && $3 == "json" {print $9}' "$work/results.tsv") <<'PY'
import collections, re, statistics, sys
target, requests, path = sys.argv[1], int(sys.argv[2] or 0), sys.argv[3]
cpu = statistics.median(float(v) for v in sys.argv[4:]) if sys.argv[4:] else 0
# jfr print's text: one "stackTrace = [" block per sample, the top frame first, "..." where truncated.
samples, current = [], None
for line in open(path):
	line = line.strip()
	if line.startswith("stackTrace = ["):
		current = []
	elif current is not None and line == "]":
		if current:
			samples.append(current)
		current = None
	elif current is not None and line != "...":
		current.append(line.split("(", 1)[0])
def package(frame):
	parts = frame.split(".")
	for depth, prefix in ((4, "com.infosysta.gateway."), (4, "org.springframework.cloud."), (3, "org.springframework."),
			(3, "io.netty."), (2, "reactor.netty."), (2, "reactor.core."), (2, "com.nimbusds."), (2, "io.micrometer."),
			(2, "ch.qos."), (2, "io.github."), (2, "java."), (2, "jdk."), (2, "sun.")):
		if frame.startswith(prefix):
			return ".".join(parts[:min(depth, len(parts) - 2)])
	return ".".join(parts[:2])
self_frames, self_packages, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
for frames in samples:
	self_frames[frames[0]] += 1
	self_packages[package(frames[0])] += 1
	seen = set()
	for frame in frames:
		m = re.match(r"(com\.infosysta\.gateway\.[a-z]+\.[A-Za-z]+)|(ch\.qos\.logback\.[a-z]+)"
			r"|(io\.micrometer\.[a-z]+)|(com\.nimbusds\.[a-z]+)|(org\.springframework\.cloud\.gateway\.[a-z]+)", frame)
		if m and m.group(0) not in seen:
			seen.add(m.group(0))
			inclusive[m.group(0)] += 1
total = len(samples)
if not total:
	print(f"\n{target}: no execution samples")
	sys.exit()
print(f"\nWhere the Java CPU goes, {target}: {total} JFR execution samples (every 10 ms per running thread) over"
	f" {requests:,} requests. Shares are of the Java samples only: GC, the JIT and time in the kernel are not in"
	f" them; ≈ µs/req = share × the measured {cpu:.1f} µs/req, an upper bound.")
print("\nHottest frames (self):\n\n| frame | share | ≈ µs/req |\n|---|---:|---:|")
for frame, count in self_frames.most_common(25):
	print(f"| `{frame}` | {100 * count / total:.1f} % | {cpu * count / total:.1f} |")
print("\nBy package (self):\n\n| package | share | ≈ µs/req |\n|---|---:|---:|")
for pkg, count in self_packages.most_common(20):
	print(f"| `{pkg}` | {100 * count / total:.1f} % | {cpu * count / total:.1f} |")
print("\nInclusive (the class or package and everything it calls):\n\n| code | share | ≈ µs/req |\n|---|---:|---:|")
for name, count in inclusive.most_common(25):
	print(f"| `{name}` | {100 * count / total:.1f} % | {cpu * count / total:.1f} |")
PY
}

# ---------------------------------------------------------------------------------------------------------------
# Soak: the full chain at half its peak rate, memory at start and end

prometheus_value() {
	# prometheus_value NAME LABEL-FILTER: the sum of a metric's series whose labels contain the filter.
	curl -s "http://127.0.0.1:$management_port/actuator/prometheus" \
		| awk -v name="$1" -v filter="$2" 'index($0, name "{") == 1 && index($0, filter) {sum += $NF}
			END {printf "%.0f", sum}'
}

memory_snapshot() {
	# After a full GC: heap used, JDK direct buffers, NMT's "Other" (Netty's direct memory), RSS.
	local label=$1
	jcmd "$target_pid" GC.run >/dev/null
	sleep 2
	local heap direct nmt_other rss
	heap=$(prometheus_value jvm_memory_used_bytes 'area="heap"')
	direct=$(prometheus_value jvm_buffer_memory_used_bytes 'id="direct"')
	nmt_other=$(jcmd "$target_pid" VM.native_memory summary scale=KB \
		| awk '/^-[ ]+Other \(reserved=/ {sub(/.*committed=/, ""); sub(/KB.*/, ""); print $0 * 1024}')
	rss=$(awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$target_pid/status")
	printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$heap" "$direct" "${nmt_other:-0}" "$rss" >>"$work/soak.tsv"
	curl -s "http://127.0.0.1:$management_port/actuator/prometheus" \
		| grep -E '^(reactor_netty_bytebuf_allocator_(used|active)[a-z_]*memory|jvm_memory_used_bytes\{area="nonheap")' \
		>"$work/out/soak-$label-allocator.txt" || true
}

run_soak() {
	echo "soak: starting the gateway (full chain)" >&2
	start_target soak
	warm_up soak 1
	local rate=$soak_rate
	if [[ -z $rate ]]; then
		echo "soak: measuring the peak for ${duration}s" >&2
		wrk_run "$work/out/soak-peak.txt" "$duration" "$target_url" "$auth_header"
		local peak
		peak=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/out/soak-peak.txt")
		rate=$((peak / 2))
		echo "soak: peak $peak req/s, soaking at $rate req/s" >&2
	fi
	memory_snapshot start
	local per_thread=$(((rate + threads - 1) / threads))
	local minutes=$soak_minutes
	local out="$work/out/soak.txt"
	wrk -t"$threads" -c"$connections" -d"$((minutes * 60))s" --timeout 10s --latency -s bench/wrk/paced.lua \
		-H "Authorization: $auth_header" "$target_url" -- "$per_thread" >"$out" 2>&1 &
	local wrk_pid=$!
	pids+=("$wrk_pid")
	local soak_started next_sample=60
	soak_started=$(date +%s)
	while kill -0 "$wrk_pid" 2>/dev/null; do
		sleep 5
		if (($(date +%s) - soak_started >= next_sample)); then
			next_sample=$((next_sample + 60))
			printf '%s\t%s\t%s\n' "$(date -u +%H:%M:%S)" \
				"$(awk '/^VmRSS:/ {print $2}' "/proc/$target_pid/status")" \
				"$(prometheus_value jvm_buffer_memory_used_bytes 'id="direct"')" >>"$work/soak-samples.tsv"
		fi
	done
	wait "$wrk_pid" || true
	forget_pid "$wrk_pid"
	memory_snapshot end
	python3 - "$work/soak.tsv" "$work/soak-samples.tsv" "$out" "$rate" <<'PY'
import re, sys
snapshots = {line.split("\t")[0]: [float(v) for v in line.rstrip().split("\t")[1:]] for line in open(sys.argv[1])}
text = open(sys.argv[3]).read()
def first(pattern):
	match = re.search(pattern, text, re.M)
	return match.group(1) if match else "?"
took = first(r"requests in ([\d.]+\w+)")
achieved = first(r"^Requests/sec:\s*([\d.]+)")
p50, p99 = first(r"^\s*50%\s+(\S+)"), first(r"^\s*99%\s+(\S+)")
non2xx = first(r"Non-2xx or 3xx responses:\s*(\d+)") if "Non-2xx" in text else "0"
errors = first(r"Socket errors: (.*)") if "Socket errors" in text else "none"
print(f"\nSoak: full chain paced at {sys.argv[4]} req/s for {took}: {achieved} req/s achieved, p50 {p50}, p99 {p99},"
	f" non-2xx {non2xx}, socket errors: {errors}\n")
print("| after a full GC (jcmd GC.run) | start MiB | end MiB | change MiB |\n|---|---:|---:|---:|")
labels = ["heap used", "JDK direct buffers (jvm_buffer_memory_used_bytes{id=\"direct\"})",
	"native 'Other' (NMT: Netty's direct memory)", "RSS"]
for i, label in enumerate(labels):
	start, end = snapshots["start"][i] / 1048576, snapshots["end"][i] / 1048576
	print(f"| {label} | {start:.1f} | {end:.1f} | {end - start:+.1f} |")
try:
	samples = [line.rstrip().split("\t") for line in open(sys.argv[2]) if line.strip()]
except FileNotFoundError:
	samples = []
if samples:
	print("\nOnce a minute (no GC forced): " + ", ".join(f"{s[0]} RSS {int(s[1]) / 1024:.0f} MiB" for s in samples))
PY
	stop_target
}

# ---------------------------------------------------------------------------------------------------------------

cat <<INFO
Machine: $(nproc) CPUs, $(awk '/^model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | xargs), \
$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r); $(date -u +%FT%TZ)
$(java -version 2>&1 | head -n 1); $(/usr/sbin/nginx -v 2>&1); wrk -t$threads -c$connections
Gateway JVM: $jvm_note + harness: ${jvm_extra[*]:-nothing}; vanilla SCG JVM: ${scg_jvm:-defaults}
Per target: warm-up until steady (at most ${warmup}s), measured ${duration}s, attachment ${attachment}s; \
issue JSON $issue_bytes bytes
INFO

if ((soak)); then
	run_soak
	exit 0
fi

IFS=, read -r -a chosen <<<"$targets"
started=$(date +%s)
for pass in $(seq 1 "$passes"); do
	for target in "${chosen[@]}"; do
		run_target "$target" "$pass"
	done
done
print_tables
if ((profile)); then
	print_profile full
	print_profile basic
fi
echo
echo "Took $(($(date +%s) - started)) s for $passes pass(es)."
