/**
 * The operator's install objects (Namespace, ServiceAccount, ClusterRole and binding, Deployment),
 * the one source of deploy/ and of the CSV's install strategy. Holds no RBAC of its own.
 */
package dev.annex.shipping.install;
