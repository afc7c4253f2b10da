#!/usr/bin/env bash
# Annex's runtime against k8s.io/sample-apiserver, side by side on one real etcd (separate
# prefixes), both reached the same way: directly over HTTPS/1.1 (the watch also over HTTP/2) with the same ServiceAccount's
# bearer token, authentication (TokenReview) and authorization (SubjectAccessReview) delegated to
# the same kube-apiserver, both caching its answers 10 s (their defaults). Then the runtime's memory
# backend alone; then the operator at scale (bench/operator.sh). See bench/README.md.
#   bench/compare.sh [PHASE_SECONDS] [REPEATS]   (default 6 s, 3 repeats; make bench runs it)
# To profile one scenario: BENCH_ONLY="update" (any of get list list-table create update apply watch watch-h2)
# runs just those against both servers and stops before the report, keeping the raw outputs;
# BENCH_ANNEX_JAVA_OPTS adds JVM options to Annex, e.g. -XX:StartFlightRecording=filename=/tmp/a.jfr.
# Writes bench/results/<date>-<short commit>.json, bench/RESULTS.md, bench/latency.png and prints their paths.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
phase=${1:-6}
repeats=${2:-3}
warmup=${BENCH_WARMUP_SECONDS:-5}
jar="$root/apiserver-runtime/target/annex-apiserver.jar"
k6_version=v1.8.1
cache=${ANNEX_CACHE:-$HOME/.cache/annex}
work=$(mktemp -d /tmp/annex-compare.XXXXXX)
raw="$work/raw"
mkdir -p "$raw"
[ -f "$jar" ] || { echo "missing $jar: run make build first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (make bench installs it)" >&2; exit 1; }

# Every kubectl request has a time limit, so a hanging kube-apiserver fails the run instead of stalling it.
kubectl() { command kubectl --request-timeout=60s "$@"; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Every process this script starts is recorded here and stopped by its pid, also on failure.
declare -A pids=()
stop_server() { # name
  local pid=${pids[$1]:-}
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  unset "pids[$1]"
}
cleanup() {
  for name in "${!pids[@]}"; do stop_server "$name"; done
  "$root/controlplane/reference-apiserver.sh" stop "$work/cp" 2>/dev/null || true
}
trap 'cleanup; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT

# --- tools: k6 (fixed rate) from its Go module, the watch client, both cached ---
k6="$cache/bin/k6-$k6_version"
if [ ! -x "$k6" ]; then
  log "building k6 $k6_version from the Go module proxy (about 5 min cold) ..."
  mkdir -p "$cache/bin/k6-build"
  GOBIN="$cache/bin/k6-build" CGO_ENABLED=0 go install "go.k6.io/k6@$k6_version"
  mv "$cache/bin/k6-build/k6" "$k6"
fi
watchlat="$work/watchlat"
(cd "$here/watchlat" && go build -o "$watchlat" .)
bin=$("$root/controlplane/build.sh" etcd kube-apiserver sample-apiserver | tail -n 1)

# --- the control plane: one etcd and the kube-apiserver both servers delegate to ---
log "starting etcd and kube-apiserver"
"$root/controlplane/reference-apiserver.sh" start "$work/cp" >/dev/null
export KUBECONFIG="$work/cp/admin.kubeconfig"
etcd_url=$(cat "$work/cp/etcd.url")
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Namespace
metadata: {name: bench}
---
apiVersion: v1
kind: Namespace
metadata: {name: writes}
---
apiVersion: v1
kind: Namespace
metadata: {name: watch}
---
apiVersion: v1
kind: Namespace
metadata: {name: bulk}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: bench, namespace: bench}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bench-wardle}
rules:
- apiGroups: [wardle.example.com]
  resources: [flunders, fischers]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bench-wardle}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bench-wardle}
subjects:
- {kind: ServiceAccount, name: bench, namespace: bench}
EOF
# The one user of every request: a ServiceAccount (not system:masters, so both servers ask for a review).
kubectl create token bench -n bench --duration 3h >"$work/token"
token=$(cat "$work/token")

declare -A ports=()
# The servers' etcd prefixes are /bench/annex$prefix_set and /bench/sample$prefix_set.
prefix_set=""
# Starts a server and records its start-up time (until /readyz and an authorized list both answer) and idle RSS.
start_server() { # name (annex | sample | memory), label for the start-up record ("" records nothing)
  local name=$1 label=$2 port started
  port=$(free_port)
  ports[$name]=$port
  case "$name" in
    annex|memory)
      local storage=(--storage-backend etcd3 --etcd-servers "$etcd_url" --etcd-prefix "/bench/annex$prefix_set")
      [ "$name" = memory ] && storage=(--storage-backend memory)
      # -Xmx1g: a ceiling as a container limit would set; no -Xms, so the RSS is what the JVM uses.
      # shellcheck disable=SC2086 # the options are words
      java -Xmx1g ${BENCH_ANNEX_JAVA_OPTS:-} -jar "$jar" --api-definition "$root/examples/wardle.yaml" --secure-port "$port" \
        --bind-address 127.0.0.1 --cert-dir "$work/$name-certs" "${storage[@]}" \
        --authentication-kubeconfig "$KUBECONFIG" --authorization-kubeconfig "$KUBECONFIG" >>"$work/$name.log" 2>&1 &
      ;;
    sample)
      "$bin/sample-apiserver" --secure-port "$port" --bind-address 127.0.0.1 --cert-dir "$work/sample-certs" \
        --etcd-servers "$etcd_url" --etcd-prefix "/bench/sample$prefix_set" --kubeconfig "$KUBECONFIG" \
        --authentication-kubeconfig "$KUBECONFIG" --authorization-kubeconfig "$KUBECONFIG" >>"$work/sample.log" 2>&1 &
      ;;
  esac
  pids[$name]=$!
  started=$(date +%s%N)
  local url="https://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if curl -m 10 -ksf "$url/readyz" >/dev/null 2>&1 &&
       curl -m 10 -ksf -H "Authorization: Bearer $token" "$url/apis/wardle.example.com/v1alpha1/namespaces/bench/flunders?limit=1" >/dev/null 2>&1; then
      break
    fi
    kill -0 "${pids[$name]}" 2>/dev/null || { echo "$name exited during start-up; see $work/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -m 10 -ksf -H "Authorization: Bearer $token" "$url/apis/wardle.example.com/v1alpha1/namespaces/bench/flunders?limit=1" >/dev/null ||
    { echo "$name did not answer /readyz and an authorized list within 60 s; see $work/$name.log" >&2; exit 1; }
  local ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  [ -n "$label" ] || return 0
  sleep 5 # settled, idle
  echo "{\"kind\":\"startup\",\"server\":\"$name\",\"state\":\"$label\",\"ready_ms\":$ready_ms,\"rss_kib\":$(ps -o rss= -p "${pids[$name]}")}" >>"$raw/records.jsonl"
  log "$name ready in $ready_ms ms ($label)"
}

ns_url() { echo "https://127.0.0.1:${ports[$1]}/apis/wardle.example.com/v1alpha1/namespaces"; }

# Objects through each server's own API (k6, 16 connections; every create must answer 201).
populate() { # name namespace count prefix
  local name=$1 ns=$2 count=$3 prefix=$4
  BASE="$(ns_url "$name")/$ns/flunders" TOKEN=$token PREFIX=$prefix COUNT=$count \
    GODEBUG=http2client=0 "$k6" run --quiet --no-color --log-output=none "$here/k6/populate.js" >"$work/populate-$name-$ns.log" 2>&1 ||
    { echo "populating $ns on $name failed; see $work/populate-$name-$ns.log" >&2; exit 1; }
}

# CPU seconds (user + system) a process used so far.
cpu_seconds() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }

# One measured phase: the load generator's output in $raw, its CPU and the server's in records.jsonl.
measure() { # name scenario mode rep -- command...
  local name=$1 scenario=$2 mode=$3 rep=$4; shift 5
  local out="$raw/$scenario.$mode.$name.$rep" s0 s1 t0 t1
  s0=$(cpu_seconds "${pids[$name]}")
  t0=$(date +%s%N)
  TIMEFORMAT='%U %S %R'
  { time "$@" >"$out.out" 2>"$out.err"; } 2>"$out.time" ||
    { echo "$scenario ($mode) on $name failed:" >&2; tail -n 5 "$out.err" >&2; exit 1; }
  t1=$(date +%s%N)
  s1=$(cpu_seconds "${pids[$name]}")
  read -r gen_user gen_sys _ <"$out.time"
  echo "{\"kind\":\"phase\",\"server\":\"$name\",\"scenario\":\"$scenario\",\"mode\":\"$mode\",\"rep\":$rep,\"file\":\"$(basename "$out").out\",\"wall_s\":$(( (t1 - t0) / 1000000 ))e-3,\"server_cpu_s\":$(awk "BEGIN {print $s1 - $s0}"),\"generator_cpu_s\":$(awk "BEGIN {print $gen_user + $gen_sys}")}" >>"$raw/records.jsonl"
}

# wrk (closed loop, at saturation): 2 threads, 32 connections (8 for the 1,000-object lists).
wrk_phase() { # name scenario seconds rep-label
  local name=$1 scenario=$2 seconds=$3 rep=$4 base
  base=$(ns_url "$name")
  local auth=(-H "Authorization: Bearer $token") args
  case "$scenario" in
    get) args=(-c32 "$base/bench/flunders/obj-500") ;;
    list) args=(-c8 "$base/bench/flunders") ;;
    list-table) args=(-c8 -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$base/bench/flunders") ;;
    create) args=(-c32 -s "$here/create.lua" "$base/writes/flunders" -- "w$name$rep") ;;
    update) args=(-c32 -s "$here/update.lua" "$base/bench/flunders" -- "w$name$rep") ;;
    apply) args=(-c32 -s "$here/apply.lua" "$base/writes/flunders" -- cycle "w$name$rep") ;;
  esac
  if [ "$rep" = warmup ]; then
    wrk -t2 -d"${seconds}s" "${auth[@]}" "${args[@]}" >/dev/null 2>&1
  else
    measure "$name" "$scenario" saturation "$rep" -- wrk --latency -t2 -d"${seconds}s" "${auth[@]}" "${args[@]}"
  fi
}

# k6 (open loop, a fixed arrival rate).
k6_phase() { # name scenario rate rep
  local name=$1 scenario=$2 rate=$3 rep=$4
  measure "$name" "$scenario" fixed "$rep" -- env BASE="$(ns_url "$name")/" SCENARIO="$scenario" RATE="$rate" DURATION="$phase" \
    TOKEN="$token" RUN="k$name$rep" OUT="$raw/$scenario.fixed.$name.$rep.json" GODEBUG=http2client=0 \
    "$k6" run --quiet --no-color "$here/k6/fixed-rate.js"
}

median_rps() { # scenario name -> median requests/s of its saturation phases
  python3 - "$raw" "$1" "$2" <<'PY'
import glob, re, statistics, sys
raw, scenario, name = sys.argv[1:]
rps = [float(re.search(r'Requests/sec:\s+([\d.]+)', open(f).read()).group(1))
       for f in glob.glob(f'{raw}/{scenario}.saturation.{name}.*.out')]
print(statistics.median(rps))
PY
}

scenarios=(get list list-table create update apply)
watches=(watch watch-h2)
only=${BENCH_ONLY:-}
if [ -n "$only" ]; then
  BENCH_KEEP=1
  scenarios=() watches=()
  for s in $only; do
    case "$s" in watch | watch-h2) watches+=("$s") ;; *) scenarios+=("$s") ;; esac
  done
fi

# --- start both, idle, empty ---
start_server annex empty
start_server sample empty
log "populating 1,000 objects in each (namespace bench) and the watched object"
for s in annex sample; do
  populate "$s" bench 1000 obj
  curl -m 10 -ksf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X POST "$(ns_url "$s")/watch/flunders" \
    -d '{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"watched"},"spec":{"reference":"t0"}}'
done

# --- each scenario: the same warm-up for both, then saturation A B A B..., then a fixed rate A B A B... ---
for scenario in "${scenarios[@]}"; do
  log "$scenario: warm-up ${warmup} s each, then $repeats x ${phase} s at saturation per server, alternated"
  for s in annex sample; do wrk_phase "$s" "$scenario" "$warmup" warmup; done
  for rep in $(seq 1 "$repeats"); do
    for s in annex sample; do wrk_phase "$s" "$scenario" "$phase" "$rep"; done
  done
  # The fixed rate: half the slower server's median saturation throughput, the same for both.
  rate=$(python3 -c "import sys; print(max(1, int(min(float(sys.argv[1]), float(sys.argv[2])) / 2)))" \
    "$(median_rps "$scenario" annex)" "$(median_rps "$scenario" sample)")
  log "$scenario: $repeats x ${phase} s at a fixed $rate requests/s per server, alternated"
  for rep in $(seq 1 "$repeats"); do
    for s in annex sample; do k6_phase "$s" "$scenario" "$rate" "$rep"; done
  done
done

# --- 1,000 watchers, a fixed stream of updates (10/s) to the one object they watch: over HTTP/1.1,
# a connection each (watch), and over HTTP/2, streams of one connection (watch-h2), as
# kube-aggregator proxies its clients' watches to an aggregated apiserver ---
for scenario in "${watches[@]}"; do
  flags=(-watchers 1000 -rate 10)
  if [ "$scenario" = watch-h2 ]; then flags+=(-http2); fi
  log "$scenario: warm-up ${warmup} s each (not measured), then 1,000 watchers, 10 updates/s for ${phase} s, $repeats x per server, alternated"
  for s in annex sample; do
    "$watchlat" -url "$(ns_url "$s")/watch/flunders" -token-file "$work/token" "${flags[@]}" \
      -duration "${warmup}s" >/dev/null 2>"$raw/$scenario.warmup.$s.err" ||
      { echo "the $scenario warm-up on $s failed:" >&2; tail -n 5 "$raw/$scenario.warmup.$s.err" >&2; exit 1; }
  done
  for rep in $(seq 1 "$repeats"); do
    for s in annex sample; do
      measure "$s" "$scenario" fixed "$rep" -- "$watchlat" -url "$(ns_url "$s")/watch/flunders" \
        -token-file "$work/token" "${flags[@]}" -duration "${phase}s"
    done
  done
done

if [ -n "$only" ]; then
  log "BENCH_ONLY=$only: done; the raw outputs are in $raw"
  exit 0
fi

# --- resident memory and start-up with 10,000 objects (each restarted on its own prefix) ---
# New prefixes, so each holds the 10,000 objects and nothing else: the ones the write scenarios
# made before are more on the faster server.
log "populating 10,000 objects in each (namespace bulk, new prefixes), then restarting both"
prefix_set=-10k
for s in annex sample; do
  stop_server "$s"
  start_server "$s" ""
  populate "$s" bulk 10000 bulk
done
for s in annex sample; do
  stop_server "$s"
  start_server "$s" "10000 objects"
  curl -m 10 -ksf -o /dev/null -H "Authorization: Bearer $token" "$(ns_url "$s")/bulk/flunders"
  echo "{\"kind\":\"rss\",\"server\":\"$s\",\"state\":\"10000 objects, after listing them\",\"rss_kib\":$(ps -o rss= -p "${pids[$s]}")}" >>"$raw/records.jsonl"
done
stop_server annex
stop_server sample

# --- the runtime's memory backend alone, saturation only ---
# create runs last: the objects it makes (a few hundred thousand) stay in the heap, and the other
# scenarios would measure the collector rather than the server.
start_server memory empty
populate memory bench 1000 obj
memory_scenarios=()
for s in "${scenarios[@]}"; do [ "$s" = create ] || memory_scenarios+=("$s"); done
for s in "${scenarios[@]}"; do [ "$s" != create ] || memory_scenarios+=("$s"); done
for scenario in "${memory_scenarios[@]}"; do
  log "memory backend: $scenario"
  wrk_phase memory "$scenario" "$warmup" warmup
  for rep in $(seq 1 "$repeats"); do wrk_phase memory "$scenario" "$phase" "$rep"; done
done
stop_server memory

# --- the operator at scale, on make run's control plane (its own etcd and kube-apiserver) ---
if [ -z "${BENCH_SKIP_OPERATOR:-}" ]; then
  "$here/operator.sh" "$raw/records.jsonl" || log "the operator run failed (its figures are missing from the report)"
fi

# --- the report: JSON, RESULTS.md and the plot, drawn by matplotlib from PyPI in a cached venv ---
venv="$cache/bench-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  log "installing matplotlib from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q matplotlib
fi
commit=$(git -C "$root" rev-parse --short HEAD)
out="$here/results/$(date -u +%Y%m%d)-$commit.json"
"$venv/bin/python" "$here/report.py" --raw "$raw" --out "$out" --results-md "$here/RESULTS.md" --plot "$here/latency.png" \
  --phase "$phase" --repeats "$repeats" --warmup "$warmup" --commit "$commit" \
  --versions "annex $(git -C "$root" describe --always --dirty); sample-apiserver $(awk '$1 == "k8s.io/sample-apiserver" && $2 == "=>" {print $NF}' "$root/controlplane/go.mod") ($(basename "$bin")); k6 $k6_version; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(java -version 2>&1 | head -1)"
echo "$out"
echo "$here/RESULTS.md"
echo "$here/latency.png"
