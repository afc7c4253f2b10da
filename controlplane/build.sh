#!/usr/bin/env bash
# Builds the pinned control-plane binaries into a cache outside the clone, once.
# Usage: controlplane/build.sh [binary...]   (default: all seven: etcd, kube-apiserver, kube-controller-manager,
#        kube-scheduler, kubelet, kube-proxy, coredns)
# Prints the cache folder on its last line. Safe to run concurrently with itself only per binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
k8s_version=$(awk '{for (i = 1; i < NF; i++) if ($i == "k8s.io/kubernetes") { print $(i + 1); exit }}' "$here/go.mod")
etcd_version=$(awk '{for (i = 1; i < NF; i++) if ($i == "go.etcd.io/etcd/server/v3") { print $(i + 1); exit }}' "$here/etcd/go.mod")
cache=${ANNEX_CACHE:-$HOME/.cache/annex}/controlplane/k8s-$k8s_version-etcd-$etcd_version
mkdir -p "$cache"

minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

package_of() {
  case "$1" in
    etcd) echo "etcd go.etcd.io/etcd/server/v3" ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy) echo ". k8s.io/kubernetes/cmd/$1" ;;
    sample-apiserver) echo ". k8s.io/sample-apiserver" ;;
    # the cluster DNS of the test node: CoreDNS with only the plugins its Corefile uses (coredns/main.go)
    coredns) echo "coredns ." ;;
    *) echo "unknown binary: $1" >&2; return 1 ;;
  esac
}

binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns)
for bin in "${binaries[@]}"; do
  read -r module pkg <<<"$(package_of "$bin")"
  # The folder's name pins kubernetes and etcd; a binary from a module of its own (coredns) is also
  # keyed by that module's go.mod and main package, so changing either builds it again.
  stamp=""
  if [ "$module" = coredns ]; then
    stamp=$(cat "$here/$module/go.mod" "$here/$module/go.sum" "$here/$module/main.go" | sha256sum | cut -c1-12)
  fi
  if [ -x "$cache/$bin" ] && { [ -z "$stamp" ] || [ "$(cat "$cache/$bin.stamp" 2>/dev/null)" = "$stamp" ]; }; then continue; fi
  start=$(date +%s)
  echo "building $bin ($pkg, kubernetes $k8s_version, etcd $etcd_version) into $cache ..." >&2
  (cd "$here/$module" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$cache/$bin.tmp" "$pkg")
  mv "$cache/$bin.tmp" "$cache/$bin"
  if [ -n "$stamp" ]; then echo "$stamp" >"$cache/$bin.stamp"; fi
  echo "built $bin in $(( $(date +%s) - start ))s" >&2
done
echo "$cache"
