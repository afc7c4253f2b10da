#!/usr/bin/env bash
# The operator at scale, on make run's control plane (etcd, kube-apiserver with the aggregation
# layer, kube-controller-manager; the operator in-process as deploy/'s ServiceAccount):
#   1. one AggregatedApi from kubectl apply to Ready=True (its runtime started here, from the
#      Secret and ConfigMap the operator writes, behind an external backend on localhost);
#   2. 100 at once (external backends on a port where nothing listens, so Ready stays False: the
#      time is to APIServicesRegistered=True, all the operator's objects in place);
#   3. 400 more, then the resident memory of that JVM with 500 at steady state;
#   4. writes per minute at steady state, from kube-apiserver's apiserver_request_total.
# Appends its figures to RECORDS (JSON lines). Usage: bench/operator.sh RECORDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
records=$1
work=$(mktemp -d /tmp/annex-operator-bench.XXXXXX)
# Every kubectl request has a time limit, so a hanging kube-apiserver fails the run instead of stalling it.
kubectl() { command kubectl --request-timeout=60s "$@"; }
log() { echo "[$(date -u +%H:%M:%S)] operator: $*" >&2; }
record() { echo "{\"kind\":\"operator\",\"figure\":\"$1\",\"value\":$2,\"note\":\"$3\"}" >>"$records"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

local_pid=""
runtime_pid=""
cleanup() {
  # annex-local's shutdown hook stops its runtime, the operator and the control plane
  for p in $runtime_pid $local_pid; do kill "$p" 2>/dev/null || true; done
  for p in $runtime_pid $local_pid; do timeout 60 tail --pid="$p" -f /dev/null 2>/dev/null || true; done
}
trap 'cleanup; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT

wait_for() { # what, seconds, command...
  local what=$1 limit=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || { echo "operator bench: timed out after ${limit}s waiting for $what" >&2; return 1; }
    sleep 1
  done
}

log "starting make run's control plane and operator (local/target/annex-local.jar)"
ANNEX_CONTROLPLANE_DIR=$("$root/controlplane/build.sh" etcd kube-apiserver kube-controller-manager | tail -n 1) \
  java -jar "$root/local/target/annex-local.jar" >"$work/local.log" 2>&1 &
local_pid=$!
wait_for "make run's kubeconfig line in $work/local.log" 300 grep -q 'export KUBECONFIG=' "$work/local.log"
KUBECONFIG=$(sed -n 's/^ *export KUBECONFIG=//p' "$work/local.log" | head -n 1)
export KUBECONFIG

# An AggregatedApi like examples/wardle.yaml, under another name, group and namespace, one version.
aggregated_api() { # name namespace group port
  python3 - "$root/examples/wardle.yaml" "$@" <<'PY'
import sys
src, name, ns, group, port = sys.argv[1:]
text = open(src).read()
text = text.replace("name: wardle\n", f"name: {name}\n", 1).replace("namespace: wardle\n", f"namespace: {ns}\n", 1)
text = text.replace("group: wardle.example.com", f"group: {group}")
head, rest = text.split("    - name: v1beta1\n", 1)
rest = rest.split("\n", 3)[3]  # drop v1beta1's three other lines
text = head + rest
text = text.replace("\nspec:\n", f"\nspec:\n  external: {{host: localhost, port: {port}}}\n", 1)
print(text)
PY
}

# 1. one to Ready=True
kubectl create namespace ops-one >/dev/null
port=$(free_port)
aggregated_api one ops-one one.bench.example.com "$port" >"$work/one.yaml"
start=$(date +%s%N)
kubectl apply -f "$work/one.yaml" >/dev/null
wait_for "the serving Secret of ops-one/one" 60 kubectl get secret -n ops-one one-apiserver-tls
wait_for "the definition ConfigMap of ops-one/one" 60 kubectl get configmap -n ops-one one-apiserver-definition
kubectl get secret -n ops-one one-apiserver-tls -o jsonpath='{.data.tls\.crt}' | base64 -d >"$work/tls.crt"
kubectl get secret -n ops-one one-apiserver-tls -o jsonpath='{.data.tls\.key}' | base64 -d >"$work/tls.key"
kubectl get configmap -n ops-one one-apiserver-definition -o jsonpath='{.data.aggregatedapi\.yaml}' >"$work/one-definition.yaml"
java -Xmx512m -jar "$root/apiserver-runtime/target/annex-apiserver.jar" --api-definition "$work/one-definition.yaml" \
  --bind-address 127.0.0.1 --secure-port "$port" --tls-cert-file "$work/tls.crt" --tls-private-key-file "$work/tls.key" \
  --authentication-kubeconfig "$KUBECONFIG" --authorization-kubeconfig "$KUBECONFIG" >"$work/one-runtime.log" 2>&1 &
runtime_pid=$!
command kubectl wait --for=condition=Ready=True aggregatedapi/one -n ops-one --timeout=180s >/dev/null
one_ms=$(( ($(date +%s%N) - start) / 1000000 ))
record one_ready_ms "$one_ms" "kubectl apply to Ready=True, the runtime (a JVM) started once the operator wrote its Secret"
log "one AggregatedApi Ready=True after $one_ms ms"

# 2. 100 at once, 3. 400 more
kubectl create namespace ops >/dev/null
batch() { # from to -> file
  for i in $(seq "$1" "$2"); do aggregated_api "s$i" ops "s$i.bench.example.com" 9; echo "---"; done
}
registered() { # count -> true when that many are APIServicesRegistered=True
  [ "$(kubectl get aggregatedapis -n ops -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="APIServicesRegistered")].status}{"\n"}{end}' | grep -c True)" -ge "$1" ]
}
batch 1 100 >"$work/100.yaml"
start=$(date +%s%N)
kubectl apply -f "$work/100.yaml" >/dev/null
if wait_for "100 AggregatedApis APIServicesRegistered=True" 600 registered 100; then
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  record hundred_registered_ms "$ms" "kubectl apply of 100 at once to APIServicesRegistered=True on all (no backends: Ready stays False)"
  log "100 AggregatedApis registered after $ms ms"
fi
# 400 more, by four kubectl processes at once (one applies about 2 a second on this loaded machine)
for part in 0 1 2 3; do batch $((101 + part * 100)) $((200 + part * 100)) >"$work/400-$part.yaml"; done
start=$(date +%s%N)
applying=()
for part in 0 1 2 3; do kubectl apply -f "$work/400-$part.yaml" >/dev/null & applying+=($!); done
for p in "${applying[@]}"; do wait "$p"; done
if wait_for "500 AggregatedApis APIServicesRegistered=True" 900 registered 500; then
  record fivehundred_registered_ms "$(( ($(date +%s%N) - start) / 1000000 ))" "400 more applied by 4 kubectl processes at once, to all 500 registered"
fi
sleep 30 # settle: the aggregator's first verdicts, the operator's probes
record operator_rss_mib "$(( $(ps -o rss= -p "$local_pid") / 1024 ))" \
  "resident memory of make run's JVM (the operator in-process, plus the control-plane harness's clients) with 501 AggregatedApis"

# 4. writes at steady state: every create/update/patch/delete kube-apiserver served in one minute,
# and those to the kinds the operator writes (the aggregator's APIService status and the
# controller manager's leases are in the first figure only).
writes() { # -> "all operator_kinds"
  kubectl get --raw /metrics | python3 -c '
import re, sys
kinds = {"aggregatedapis", "secrets", "configmaps", "serviceaccounts", "services", "deployments", "clusterrolebindings",
         "rolebindings", "apiservices", "events", "poddisruptionbudgets"}
total = mine = 0
for line in sys.stdin:
    if not line.startswith("apiserver_request_total{"):
        continue
    labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", line))
    if labels.get("verb") in ("POST", "PUT", "PATCH", "DELETE", "APPLY", "CREATE", "UPDATE"):
        n = float(line.rsplit(" ", 1)[1])
        total += n
        if labels.get("resource") in kinds and not (labels.get("resource") == "apiservices" and labels.get("subresource") == "status"):
            mine += n
print(int(total), int(mine))'
}
read -r all0 mine0 <<<"$(writes)"
sleep 60
read -r all1 mine1 <<<"$(writes)"
record writes_per_minute_all "$((all1 - all0))" "every write kube-apiserver served in the minute (leases, APIService status included)"
record writes_per_minute_operator_kinds "$((mine1 - mine0))" "writes to the kinds the operator writes (AggregatedApis and their objects, APIServices but their status, Events)"
log "steady state: $((mine1 - mine0)) writes/min to the operator's kinds, $((all1 - all0)) in all"
