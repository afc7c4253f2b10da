package dev.annex.apiserver.server;

import dev.annex.apiserver.http.RequestInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The runtime's {@code /metrics}, in the Prometheus text format under kube-apiserver's names:
 * requests by verb, group, resource and code; request latency histograms (watches excepted, as
 * they last minutes); requests in flight by kind; open watches; and any gauges registered by
 * others (objects in storage).
 */
public final class RequestMetrics {

  /** kube-apiserver's apiserver_request_duration_seconds buckets. */
  private static final double[] BUCKETS = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5,
      6, 8, 10, 15, 20, 30, 45, 60};

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, Histogram> latencies = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> watchers = new ConcurrentHashMap<>();
  private final List<Gauge> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();

  private record Gauge(String name, String help, String labels, LongSupplier value) {
  }

  private static final class Histogram {
    final LongAdder[] buckets = new LongAdder[BUCKETS.length];
    final LongAdder count = new LongAdder();
    final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void observe(double seconds) {
      for (int i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]) {
          buckets[i].increment();
        }
      }
      count.increment();
      sum.add(seconds);
    }
  }

  /** One finished request: counted, and its latency observed unless it is a watch. */
  void record(String method, RequestInfo info, int code, long nanos) {
    String verb = (info == null ? method : info.verb()).toUpperCase(Locale.ROOT);
    String resourceLabels = info != null && info.resourceRequest()
        ? ",group=\"" + info.apiGroup() + "\",resource=\"" + info.resource() + "\"" : "";
    counts.computeIfAbsent("verb=\"" + verb + "\"" + resourceLabels + ",code=\"" + code + "\"", k -> new LongAdder())
        .increment();
    if (!verb.equals("WATCH")) {
      latencies.computeIfAbsent("verb=\"" + verb + "\"" + resourceLabels, k -> new Histogram()).observe(nanos / 1e9);
    }
  }

  /** A watch started streaming; the returned action ends it. */
  Runnable watchStarted(RequestInfo info) {
    String labels = "group=\"" + info.apiGroup() + "\",resource=\"" + info.resource() + "\",verb=\"WATCH\"";
    AtomicLong open = watchers.computeIfAbsent(labels, k -> new AtomicLong());
    open.incrementAndGet();
    java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (ended.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
    };
  }

  /** A gauge read at each scrape, such as requests in flight or objects stored. */
  public void gauge(String name, String help, String labels, LongSupplier value) {
    gauges.add(new Gauge(name, help, labels, value));
  }

  public String prometheusText() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP apiserver_request_total Counter of apiserver requests broken out by verb, group, resource and HTTP response code.\n");
    out.append("# TYPE apiserver_request_total counter\n");
    new TreeMap<>(counts).forEach((labels, n) -> out.append("apiserver_request_total{").append(labels).append("} ")
        .append(n.sum()).append('\n'));
    out.append("# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, group and resource.\n");
    out.append("# TYPE apiserver_request_duration_seconds histogram\n");
    new TreeMap<>(latencies).forEach((labels, h) -> {
      for (int i = 0; i < BUCKETS.length; i++) {
        out.append("apiserver_request_duration_seconds_bucket{").append(labels).append(",le=\"")
            .append(format(BUCKETS[i])).append("\"} ").append(h.buckets[i].sum()).append('\n');
      }
      out.append("apiserver_request_duration_seconds_bucket{").append(labels).append(",le=\"+Inf\"} ")
          .append(h.count.sum()).append('\n');
      out.append("apiserver_request_duration_seconds_sum{").append(labels).append("} ").append(h.sum.sum()).append('\n');
      out.append("apiserver_request_duration_seconds_count{").append(labels).append("} ").append(h.count.sum()).append('\n');
    });
    out.append("# HELP apiserver_longrunning_requests Gauge of all active long-running apiserver requests broken out by verb, group and resource.\n");
    out.append("# TYPE apiserver_longrunning_requests gauge\n");
    new TreeMap<>(watchers).forEach((labels, n) -> out.append("apiserver_longrunning_requests{").append(labels)
        .append("} ").append(n.get()).append('\n'));
    List<String> named = new ArrayList<>();
    for (Gauge g : gauges) {
      if (!named.contains(g.name())) {
        named.add(g.name());
        out.append("# HELP ").append(g.name()).append(' ').append(g.help()).append('\n');
        out.append("# TYPE ").append(g.name()).append(" gauge\n");
      }
      out.append(g.name()).append(g.labels().isEmpty() ? "" : "{" + g.labels() + "}").append(' ')
          .append(g.value().getAsLong()).append('\n');
    }
    return out.toString();
  }

  private static String format(double bucket) {
    return bucket == Math.rint(bucket) ? String.valueOf((long) bucket) : String.valueOf(bucket);
  }
}
