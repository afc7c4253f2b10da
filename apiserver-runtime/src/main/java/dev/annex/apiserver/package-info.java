/**
 * The shared apiserver runtime: {@link dev.annex.apiserver.Main} parses the flags and starts one
 * server for the API group an {@code AggregatedApi} file describes. Everything else lives in the
 * sub-packages, one responsibility each; this package must stay an entry point.
 */
package dev.annex.apiserver;
