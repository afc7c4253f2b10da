#!/usr/bin/env bash
# Load run of the apiserver runtime on loopback, once per storage backend (memory, then etcd3 on a
# real etcd started here): creates, gets, lists of 1,000 objects, a watch, and server-side apply
# (create, no-op re-apply) beside a merge patch, plus the server's resident memory.
# Writes bench/results/<UTC timestamp>.md and prints its path.
#   bench/run.sh [DURATION_SECONDS] [BACKENDS]   (default 15 s per phase, "memory etcd3"; wrk must be
#                                                 installed: make bench does it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
duration=${1:-15}
backends=${2:-memory etcd3}
jar="$root/apiserver-runtime/target/annex-apiserver.jar"
work=$(mktemp -d /tmp/annex-bench.XXXXXX)
[ -f "$jar" ] || { echo "missing $jar: run make build first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (make bench installs it)" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

server_pid=""
watch_pid=""
etcd_pid=""
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$etcd_pid" ]; then kill "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; fi
  server_pid=""; watch_pid=""; etcd_pid=""
}
trap 'cleanup; rm -rf "$work"' EXIT

# etcd as the tests run it: the pinned binary (ANNEX_CONTROLPLANE_DIR, else controlplane/build.sh),
# free loopback ports, a data dir under $work; stopped by its pid.
etcd_url=""
start_etcd() { # dir -> sets etcd_url (not a subshell: etcd_pid must stay known to cleanup)
  local dir=$1 bin client peer
  bin="${ANNEX_CONTROLPLANE_DIR:-$("$root/controlplane/build.sh" etcd | tail -n 1)}/etcd"
  client="http://127.0.0.1:$(free_port)"
  peer="http://127.0.0.1:$(free_port)"
  "$bin" --name default --data-dir "$dir/etcd-data" --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "default=$peer" \
    --log-level warn >"$dir/etcd.log" 2>&1 &
  etcd_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "$client/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf "$client/health" >/dev/null || { echo "etcd did not become healthy within 10 s; see $dir/etcd.log" >&2; exit 1; }
  etcd_url=$client
}

summary() { # file -> "rps | p50 | p99 | non-2xx"
  local f=$1
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$f")
  p50=$(awk '$1=="50%" {print $2}' "$f")
  p99=$(awk '$1=="99%" {print $2}' "$f")
  errors=$(awk '/Non-2xx or 3xx responses/ {print $5}' "$f")
  echo "$rps | $p50 | $p99 | ${errors:-0}"
}

run_backend() { # backend -> results in $work/<backend>/
  local backend=$1 dir="$work/$1" port base ns started flags=()
  mkdir -p "$dir"
  port=$(free_port)
  base="https://127.0.0.1:$port"
  ns="$base/apis/wardle.example.com/v1alpha1/namespaces/bench/flunders"
  if [ "$backend" = etcd3 ]; then
    start_etcd "$dir"
    flags=(--storage-backend etcd3 --etcd-servers "$etcd_url")
  fi
  java -Xms1g -Xmx1g -jar "$jar" --api-definition "$root/examples/wardle.yaml" --secure-port "$port" \
    --bind-address 127.0.0.1 --cert-dir "$dir/certs" --authorization-mode=AlwaysAllow "${flags[@]}" >"$dir/server.log" 2>&1 &
  server_pid=$!

  started=$(date +%s%N)
  for _ in $(seq 1 100); do
    curl -ksf "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -ksf "$base/readyz" >/dev/null || { echo "the runtime did not become ready within 10 s; see $dir/server.log" >&2; exit 1; }
  echo $(( ($(date +%s%N) - started) / 1000000 )) >"$dir/ready_ms"

  # 1,000 objects to get and list (sequential creates, also a correctness check: each must be 201).
  for i in $(seq 1 1000); do
    code=$(curl -ks -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$ns" \
      -d "{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"kind\":\"Flunder\",\"metadata\":{\"name\":\"obj-$i\"},\"spec\":{\"reference\":\"r$i\"}}")
    [ "$code" = 201 ] || { echo "$backend: create obj-$i answered $code" >&2; exit 1; }
  done

  # A watch on the namespace, counting the events it receives during the create phase.
  rv=$(curl -ks "$ns?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
  curl -ksN "$ns?watch=true&resourceVersion=$rv&timeoutSeconds=$((duration * 4 + 60))" >"$dir/watch.jsonl" &
  watch_pid=$!

  phase() { # name, wrk args...
    local name=$1; shift
    wrk --latency -t2 -c32 -d"${duration}s" "$@" >"$dir/$name.txt" 2>&1
  }
  phase create -s "$here/create.lua" "$ns"
  sleep 1
  kill "$watch_pid" 2>/dev/null || true; watch_pid=""
  curl -ks "$ns?labelSelector=bench%3Dcreate" -H 'Accept: application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))' >"$dir/created"
  grep -c '"type":"ADDED"' "$dir/watch.jsonl" >"$dir/watched" || true
  phase get "$ns/obj-500"
  phase list -c8 "$ns?labelSelector=bench%21%3Dcreate"
  # Server-side apply of a 50-field object: creates, then no-op re-applies of one object, beside a
  # merge patch of the same body (an Update) on that object.
  phase apply-create -s "$here/apply.lua" "$ns" -- create
  phase apply-noop -s "$here/apply.lua" "$ns" -- noop
  phase merge-patch -s "$here/apply.lua" "$ns" -- patch
  # resident memory of the runtime after the load (the JVM heap is fixed at 512 MiB)
  echo "$(( $(ps -o rss= -p "$server_pid") / 1024 )) MiB" >"$dir/rss"
  cleanup
}

for b in $backends; do
  run_backend "$b"
done

out="$here/results/$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# Runtime load run, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Machine: $(nproc) cores, $(uname -sr); $(java -version 2>&1 | head -1); wrk over HTTPS/1.1, 2 threads,"
  echo "32 connections (8 for lists), ${duration} s per phase; -Xmx1g; server ready in the time given per"
  echo "backend (JVM start included). etcd3: one local etcd ($(basename "${ANNEX_CONTROLPLANE_DIR:-etcd}")), the watch cache in front."
  for b in $backends; do
    d="$work/$b"
    echo
    echo "## Storage: $b (ready in $(cat "$d/ready_ms") ms, resident memory after the run $(cat "$d/rss"))"
    echo
    echo "| phase | requests/s | p50 | p99 | non-2xx |"
    echo "|---|---|---|---|---|"
    echo "| create (POST, new object each) | $(summary "$d/create.txt") |"
    echo "| get (one of 1,000 objects) | $(summary "$d/get.txt") |"
    echo "| list (the 1,000 objects, label-selected among all in the namespace) | $(summary "$d/list.txt") |"
    echo "| apply, creating (50-field object, new name each) | $(summary "$d/apply-create.txt") |"
    echo "| apply, no-op re-apply of one 50-field object | $(summary "$d/apply-noop.txt") |"
    echo "| merge patch of the same 50 fields (Update) | $(summary "$d/merge-patch.txt") |"
    echo
    echo "Watch (one HTTP/1.1 stream): $(cat "$d/watched") ADDED events received for $(cat "$d/created") objects created during the create phase."
  done
  echo
  echo "Target of issue 3: 5,000 gets/s with p99 under 20 ms on this 2-core machine (memory storage)."
  for b in $backends; do
    echo
    for p in create get list apply-create apply-noop merge-patch; do
      echo "## wrk output ($b): $p"; echo; echo '```'; cat "$work/$b/$p.txt"; echo '```'; echo
    done
  done
} >"$out"
echo "$out"
