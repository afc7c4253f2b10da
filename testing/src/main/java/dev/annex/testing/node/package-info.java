/**
 * A one-node Kubernetes cluster for tests, inside a network namespace the harness creates (its own
 * test host): the control plane of {@code controlplane}, plus kube-scheduler, containerd, kubelet
 * and kube-proxy, with a CNI bridge and images imported from local tarballs (no registry). It
 * cleans up everything it made, processes, mounts, cgroups and namespaces, and touches nothing
 * outside its own directory, network namespace and cgroup subtree.
 */
package dev.annex.testing.node;
