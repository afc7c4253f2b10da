/**
 * {@code make run-cluster}: the one-node cluster of {@code node} as an interactive session, up until
 * Ctrl-C. {@code make run} (module {@code local}) stays the lighter embedded default.
 */
package dev.annex.cluster;
