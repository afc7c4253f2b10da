package dev.annex.operator.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * What the APIService registration loop reports: queue depth, work duration, retries, how many
 * APIServices it manages, and the aggregator's availability verdict per APIService. Fed by the
 * registration controller and the reconciler; rendered beside the reconcile metrics.
 */
public final class RegistrationMetrics {
  private volatile IntSupplier queueDepth = () -> 0;
  private volatile IntSupplier managed = () -> 0;
  private final LongAdder syncs = new LongAdder();
  private final AtomicLong syncNanos = new AtomicLong();
  private final Map<String, LongAdder> writes = new ConcurrentHashMap<>();
  private final LongAdder retries = new LongAdder();
  /** APIService name to 1 (Available=True), 0 (False) or -1 (no verdict yet / Unknown). */
  private final Map<String, Integer> available = new ConcurrentHashMap<>();

  public void gauges(IntSupplier queueDepth, IntSupplier managed) {
    this.queueDepth = queueDepth;
    this.managed = managed;
  }

  public void workDone(long nanos) {
    syncs.increment();
    syncNanos.addAndGet(nanos);
  }

  /** One create, update or delete of an APIService. */
  public void wrote(String verb) {
    writes.computeIfAbsent(verb, v -> new LongAdder()).increment();
  }

  public void retried() {
    retries.increment();
  }

  public void availability(String apiService, String status) {
    available.put(apiService, switch (status) {
      case "True" -> 1;
      case "False" -> 0;
      default -> -1;
    });
  }

  public void forget(String apiService) {
    available.remove(apiService);
  }

  /** How many times a worker took a name off the queue. */
  public long workCount() {
    return syncs.sum();
  }

  public long retryCount() {
    return retries.sum();
  }

  void render(StringBuilder out) {
    out.append("# HELP annex_apiservice_queue_depth APIService names waiting in the registration work queue.\n");
    out.append("# TYPE annex_apiservice_queue_depth gauge\n");
    out.append("annex_apiservice_queue_depth ").append(queueDepth.getAsInt()).append('\n');
    out.append("# HELP annex_apiservice_work_duration_seconds Time the registration workers spent on queued names.\n");
    out.append("# TYPE annex_apiservice_work_duration_seconds summary\n");
    out.append("annex_apiservice_work_duration_seconds_sum ").append(syncNanos.get() / 1e9).append('\n');
    out.append("annex_apiservice_work_duration_seconds_count ").append(syncs.sum()).append('\n');
    out.append("# HELP annex_apiservice_retries_total Queued names put back with backoff after a failed write.\n");
    out.append("# TYPE annex_apiservice_retries_total counter\n");
    out.append("annex_apiservice_retries_total ").append(retries.sum()).append('\n');
    out.append("# HELP annex_apiservice_writes_total APIService creates, updates and deletes by the registration loop.\n");
    out.append("# TYPE annex_apiservice_writes_total counter\n");
    new TreeMap<>(writes).forEach((verb, count) -> out.append("annex_apiservice_writes_total{verb=\"").append(verb)
        .append("\"} ").append(count.sum()).append('\n'));
    out.append("# HELP annex_apiservices_managed APIServices labelled as managed by Annex.\n");
    out.append("# TYPE annex_apiservices_managed gauge\n");
    out.append("annex_apiservices_managed ").append(managed.getAsInt()).append('\n');
    out.append("# HELP annex_apiservice_available The aggregator's Available condition per APIService: 1 True, 0 False, "
        + "-1 no verdict.\n");
    out.append("# TYPE annex_apiservice_available gauge\n");
    new TreeMap<>(available).forEach((name, value) -> out.append("annex_apiservice_available{apiservice=\"")
        .append(name).append("\"} ").append(value).append('\n'));
  }
}
