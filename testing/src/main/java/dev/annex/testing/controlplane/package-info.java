/**
 * The real Kubernetes control plane for integration tests: etcd, kube-apiserver with the
 * aggregation-layer flags (so it is the real kube-aggregator) and, on request,
 * kube-controller-manager, all on loopback with certificates made here. It starts what it needs
 * and stops exactly the processes it started, by pid; it never builds or installs anything but the
 * pinned binaries of {@code controlplane/}.
 */
package dev.annex.testing.controlplane;
