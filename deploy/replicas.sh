#!/usr/bin/env bash
# Runs the gateway as two replicas behind nginx on loopback, without containers: the local multi-replica stack.
# Run `deploy/replicas.sh --help` for what it starts and how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."

LB_PORT="${LB_PORT:-8080}"
REPLICA_PORTS=("${REPLICA_1_PORT:-8180}" "${REPLICA_2_PORT:-8280}")
MANAGEMENT_PORTS=("${REPLICA_1_MANAGEMENT_PORT:-8181}" "${REPLICA_2_MANAGEMENT_PORT:-8281}")
REDIS_PORT="${REDIS_PORT:-16379}"
# The local profile's registry (config/registry-local.yml) points its tenants at this stand-in Jira.
UPSTREAM_PORT=18090
JAR=gateway/target/infosysta-gateway.jar
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

usage() {
	cat <<EOF
Usage: deploy/replicas.sh [--build] [--help]

Starts, on 127.0.0.1 only:
  - the stand-in Jira (deploy/demo/EchoUpstream.java) on :$UPSTREAM_PORT, as deploy/run-local.sh does;
  - redis-server on :$REDIS_PORT (nothing saved), holding the replicas' shared rate limits;
  - two gateway replicas with the \`local\` profile, the JVM flags of config/jvm.options,
    rate-limit store redis and replicas=2: public ports :${REPLICA_PORTS[0]} and :${REPLICA_PORTS[1]},
    management ports :${MANAGEMENT_PORTS[0]} and :${MANAGEMENT_PORTS[1]};
  - nginx on :$LB_PORT in front of both (deploy/nginx/replicas.conf.template), keep-alive to the replicas,
    a refused or reset connection retried on the other replica.
Then try the README's tour against http://127.0.0.1:$LB_PORT. \`kill -TERM <pid>\` of a replica drains
it and the script starts it again, as a Deployment would (a rolling restart by hand); the other replica
carries the calls meanwhile. Ctrl-C stops everything.

Every process is stopped by its PID on Ctrl-C, or when anything but a replica ends; the PIDs are listed at
start and kept in <run dir>/pids. The run dir (a fresh temporary folder: nginx's config and pid file) is deleted at
the end. Ports can be changed with LB_PORT, REPLICA_1_PORT, REPLICA_2_PORT, REPLICA_1_MANAGEMENT_PORT,
REPLICA_2_MANAGEMENT_PORT and REDIS_PORT. Needs Java 17, redis-server, nginx and curl (Debian packages).

  --build   build the jar first (mvn -B -q -DskipTests package); done anyway when it is missing
  --help    this text
EOF
}

build=""
for arg in "$@"; do
	case "$arg" in
		--help|-h) usage; exit 0 ;;
		--build) build="yes" ;;
		*) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
	esac
done

# `wait -n -p` below needs bash 5.1 (Debian 12 has 5.2).
if ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1))); then
	echo "bash 5.1 or later needed (this is $BASH_VERSION)" >&2
	exit 1
fi
for tool in java redis-server curl "$NGINX"; do
	command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (see --help)" >&2; exit 1; }
done
if [ -n "$build" ] || [ ! -f "$JAR" ]; then
	mvn -B -q -DskipTests package
fi

run_dir="$(mktemp -d -t infosysta-replicas.XXXXXX)"
# nginx's workers (an unprivileged user when started as root) must reach the folders it creates here.
chmod 755 "$run_dir"
declare -A name_of=() started_at=()

# Sends SIGTERM to every process whose name matches the pattern and waits for them to end.
stop_matching() {
	local pid matched=()
	for pid in "${!name_of[@]}"; do
		# shellcheck disable=SC2053 # the pattern is meant to match
		[[ ${name_of[$pid]} == $1 ]] && matched+=("$pid")
	done
	((${#matched[@]})) || return 0
	kill -TERM "${matched[@]}" 2>/dev/null || true
	for pid in "${matched[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

# The load balancer, then the replicas (they drain), then what they use.
stop_all() {
	trap - EXIT INT TERM
	stop_matching "nginx"
	stop_matching "gateway-*"
	stop_matching "*"
	rm -rf "$run_dir"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started() {
	name_of[$1]="$2"
	started_at[$1]=$SECONDS
	local pid
	for pid in "${!name_of[@]}"; do
		printf '%s %s\n' "$pid" "${name_of[$pid]}"
	done >"$run_dir/pids"
	echo "started $2 (pid $1)"
}

# Each process's output goes to this terminal, each line marked with its name.
label() {
	sed -u "s/^/[$1] /"
}

start_replica() {
	local i=$1
	java @config/jvm.options -jar "$JAR" --spring.profiles.active=local \
		--server.port="${REPLICA_PORTS[i]}" --management.server.port="${MANAGEMENT_PORTS[i]}" \
		--infosysta.gateway.rate-limit.store=redis --infosysta.gateway.rate-limit.replicas=2 \
		--spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT" \
		--infosysta.gateway.trusted-proxies=127.0.0.1/32 \
		> >(label "gateway-$((i + 1))") 2>&1 &
	started $! "gateway-$((i + 1))"
}

java deploy/demo/EchoUpstream.java "$UPSTREAM_PORT" > >(label jira) 2>&1 &
started $! "stand-in Jira"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$run_dir" \
	> >(label redis) 2>&1 &
started $! "redis-server"

start_replica 0
start_replica 1
for i in 0 1; do
	ready=""
	for _ in $(seq 1 120); do
		if curl -fsS -o /dev/null "http://127.0.0.1:${MANAGEMENT_PORTS[i]}/actuator/health/readiness" 2>/dev/null; then
			ready="yes"
			break
		fi
		sleep 1
	done
	[ -n "$ready" ] || { echo "gateway-$((i + 1)) did not become ready within 120 s" >&2; exit 1; }
done

sed -e "s#@RUN_DIR@#$run_dir#g" -e "s/@LISTEN_PORT@/$LB_PORT/g" \
	-e "s/@GATEWAY_1_PORT@/${REPLICA_PORTS[0]}/g" -e "s/@GATEWAY_2_PORT@/${REPLICA_PORTS[1]}/g" \
	deploy/nginx/replicas.conf.template >"$run_dir/nginx.conf"
"$NGINX" -e stderr -p "$run_dir" -c "$run_dir/nginx.conf" > >(label nginx) 2>&1 &
started $! "nginx"

echo "ready: http://127.0.0.1:$LB_PORT; PIDs in $run_dir/pids; Ctrl-C stops everything"
# A replica that ends (kill -TERM <pid>: it drains first) is started again, as a Deployment would; anything
# else that ends, or a replica that ends within 30 s of its start, stops everything.
while true; do
	exited=""
	wait -n -p exited "${!name_of[@]}" || true
	[ -n "$exited" ] || continue
	name="${name_of[$exited]}"
	unset "name_of[$exited]"
	case "$name" in
		gateway-*)
			if ((SECONDS - started_at[$exited] < 30)); then
				echo "$name (pid $exited) ended within 30 s of its start; stopping everything" >&2
				exit 1
			fi
			echo "$name (pid $exited) ended; starting it again"
			start_replica "$((${name#gateway-} - 1))"
			;;
		*)
			echo "$name (pid $exited) ended; stopping everything" >&2
			exit 1
			;;
	esac
done
