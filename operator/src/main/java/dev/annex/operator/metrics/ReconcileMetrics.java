package dev.annex.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters JOSDK feeds through its Metrics SPI, rendered in the Prometheus text format. */
public class ReconcileMetrics implements Metrics {
  private final Map<String, LongAdder> executions = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> nanos = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();
  private final LongAdder cleanups = new LongAdder();
  private final LongAdder reconciles = new LongAdder();
  private final RegistrationMetrics registration = new RegistrationMetrics();

  /** The APIService registration loop's own series, rendered with these on the same /metrics. */
  public RegistrationMetrics registration() {
    return registration;
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    long start = System.nanoTime();
    String result = "failure";
    try {
      T value = execution.execute();
      result = execution.successTypeName(value);
      return value;
    } finally {
      String key = execution.controllerName() + "\u0000" + execution.name() + "\u0000" + result;
      executions.computeIfAbsent(key, k -> new LongAdder()).increment();
      nanos.computeIfAbsent(execution.controllerName() + "\u0000" + execution.name(), k -> new AtomicLong())
          .addAndGet(System.nanoTime() - start);
      if ("reconcile".equals(execution.name())) {
        reconciles.increment();
      }
    }
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    failures.increment();
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    cleanups.increment();
  }

  /** How many reconcile executions finished, successful or not. */
  public long reconcileCount() {
    return reconciles.sum();
  }

  public String prometheusText() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP annex_controller_executions_total Reconcile and cleanup executions by result.\n");
    out.append("# TYPE annex_controller_executions_total counter\n");
    new TreeMap<>(executions).forEach((key, count) -> {
      String[] p = key.split("\u0000");
      out.append("annex_controller_executions_total{controller=\"").append(p[0]).append("\",execution=\"")
          .append(p[1]).append("\",result=\"").append(p[2]).append("\"} ").append(count.sum()).append('\n');
    });
    out.append("# HELP annex_controller_execution_seconds_total Time spent in reconcile and cleanup.\n");
    out.append("# TYPE annex_controller_execution_seconds_total counter\n");
    new TreeMap<>(nanos).forEach((key, total) -> {
      String[] p = key.split("\u0000");
      out.append("annex_controller_execution_seconds_total{controller=\"").append(p[0]).append("\",execution=\"")
          .append(p[1]).append("\"} ").append(total.get() / 1e9).append('\n');
    });
    out.append("# HELP annex_reconcile_failures_total Reconciles that failed and will be retried.\n");
    out.append("# TYPE annex_reconcile_failures_total counter\n");
    out.append("annex_reconcile_failures_total ").append(failures.sum()).append('\n');
    out.append("# HELP annex_cleanups_total AggregatedApi deletions whose cleanup finished.\n");
    out.append("# TYPE annex_cleanups_total counter\n");
    out.append("annex_cleanups_total ").append(cleanups.sum()).append('\n');
    registration.render(out);
    return out.toString();
  }
}
