package dev.annex.apiserver.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A request counter by verb and code, served on {@code /metrics} in the Prometheus text format
 * under kube-apiserver's name; the full metrics set is the handler-chain issue's.
 */
public final class RequestMetrics {

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  void count(String verb, int code) {
    counts.computeIfAbsent("verb=\"" + verb.toUpperCase(java.util.Locale.ROOT) + "\",code=\"" + code + "\"",
        k -> new LongAdder()).increment();
  }

  public String prometheusText() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP apiserver_request_total Counter of apiserver requests broken out by verb and HTTP response code.\n");
    out.append("# TYPE apiserver_request_total counter\n");
    new TreeMap<>(counts).forEach((labels, n) -> out.append("apiserver_request_total{").append(labels).append("} ")
        .append(n.sum()).append('\n'));
    return out.toString();
  }
}
