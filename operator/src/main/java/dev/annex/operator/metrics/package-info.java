/**
 * The operator's own {@code /metrics} (Prometheus text format): reconcile counts and durations fed by
 * JOSDK's {@code Metrics} SPI and the APIService registration loop's queue, writes, retries and
 * availability, served by the JDK's HttpServer with {@code /healthz}. No third-party metrics library;
 * nothing here changes reconcile behaviour.
 */
package dev.annex.operator.metrics;
