#!/usr/bin/env bash
# Builds the gateway and runs it on its embedded defaults (`local` profile: example registry, everything in
# memory) in front of a stand-in Jira on 127.0.0.1:18090. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -DskipTests package

java deploy/demo/EchoUpstream.java 18090 &
upstream_pid=$!
trap 'kill "$upstream_pid" 2>/dev/null || true' EXIT

# The production JVM flags (config/jvm.options), as in the image.
java @config/jvm.options -jar gateway/target/infosysta-gateway.jar --spring.profiles.active=local
