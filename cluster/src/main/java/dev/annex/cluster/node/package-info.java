/**
 * Annex on a one-node cluster as a user gets it: the node of {@code dev.annex.testing.node} with the
 * operator's and runtime's image tarballs imported, an etcd for aggregated APIs' storage on the node
 * IP, and Annex installed and used with the real kubectl from {@code deploy/annex.yaml} and
 * {@code examples/}. It never starts the operator or the runtime itself: they run as pods.
 */
package dev.annex.cluster.node;
