#!/usr/bin/env bash
# Starts a throwaway real kube-apiserver (and its etcd) on loopback, for asking the reference
# server what it answers: "how does a CRD with this schema answer this request?".
#
#   controlplane/reference-apiserver.sh start [DIR]   # prints: export KUBECONFIG=DIR/admin.kubeconfig
#   controlplane/reference-apiserver.sh stop [DIR]    # stops both, by the pids it recorded
#
# DIR defaults to /tmp/annex-reference. The admin user is in system:masters (client certificate).
# Builds the binaries first if they are not cached (see build.sh). Not used by the test suite,
# whose harness starts its own control plane.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-start}
dir=${2:-/tmp/annex-reference}

stop() {
  for p in apiserver etcd; do
    if [ -f "$dir/$p.pid" ]; then
      pid=$(cat "$dir/$p.pid")
      kill "$pid" 2>/dev/null && echo "stopped $p (pid $pid)" >&2 || true
      rm -f "$dir/$p.pid"
    fi
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # what, seconds, command...
  local what=$1 limit=$2; shift 2
  for _ in $(seq 1 "$limit"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "timed out after ${limit}s waiting for $what; see $dir/*.log" >&2
  return 1
}

start() {
  bin=$("$here/build.sh" etcd kube-apiserver | tail -n 1)
  stop
  mkdir -p "$dir/pki"
  cd "$dir/pki"
  if [ ! -f ca.crt ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=annex-reference-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 30 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  fi
  cd "$dir"
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  "$bin/etcd" --data-dir "$dir/etcd-data" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "default=http://127.0.0.1:$peer_port" \
    > "$dir/etcd.log" 2>&1 &
  echo $! > "$dir/etcd.pid"
  wait_for "etcd on 127.0.0.1:$etcd_port" 30 curl -sf "http://127.0.0.1:$etcd_port/health"
  # recorded for callers that put more servers on the same etcd (bench/compare.sh)
  echo "http://127.0.0.1:$etcd_port" > "$dir/etcd.url"
  "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/serving" \
    --endpoint-reconciler-type none --service-cluster-ip-range 10.96.0.0/16 \
    --client-ca-file "$dir/pki/ca.crt" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/pki/sa.pub" \
    --service-account-signing-key-file "$dir/pki/sa.key" > "$dir/apiserver.log" 2>&1 &
  echo $! > "$dir/apiserver.pid"
  cat > "$dir/admin.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: reference
  cluster:
    server: https://127.0.0.1:$api_port
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate: $dir/pki/admin.crt
    client-key: $dir/pki/admin.key
contexts:
- name: reference
  context: {cluster: reference, user: admin}
current-context: reference
KUBECONFIG
  wait_for "kube-apiserver /readyz on 127.0.0.1:$api_port" 60 \
    kubectl --kubeconfig "$dir/admin.kubeconfig" get --raw /readyz
  echo "export KUBECONFIG=$dir/admin.kubeconfig"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
