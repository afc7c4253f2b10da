/**
 * The certificate authority and serving certificates of one {@code AggregatedApi}: issuing them with
 * BouncyCastle, reading them back from Secret data, and deciding when the leaf must be re-issued.
 * Pure functions of their inputs and a {@link java.time.Clock}; nothing here talks to the cluster.
 */
package dev.annex.operator.certificates;
