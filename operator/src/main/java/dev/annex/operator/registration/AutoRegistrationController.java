package dev.annex.operator.registration;

import dev.annex.operator.Labels;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.metrics.RegistrationMetrics;
import dev.annex.operator.status.Availability;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the APIServices the {@code AggregatedApi}s want present, as the kube-aggregator's
 * autoregister controller does in its "manage continuously" mode: the reconciler says which
 * APIServices an owner wants ({@link #setOwner}, {@link #removeOwner}); an informer on APIServices
 * labelled {@code app.kubernetes.io/managed-by=annex} and a rate-limited work queue keyed by name
 * make the cluster match. A deleted one is created again, an edited one is put back, one whose owner
 * is gone is deleted. An APIService of a wanted name that Annex did not create is never written: the
 * owner is told of the conflict instead. Names are worked on only when something about them changes,
 * so a steady state makes no request at all.
 */
public final class AutoRegistrationController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AutoRegistrationController.class);
  /** How long the start waits for the informer's first list. */
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);
  /** Writes retried at once after a 409 Conflict, each after a fresh read, before the name goes back to the queue. */
  private static final int CONFLICT_RETRIES = 3;

  /** What the controller knows about one owner's APIServices, for its status. */
  public record Registration(List<APIService> current, List<String> pending, Map<String, String> conflicts,
      Map<String, String> failures) {
  }

  /** Where the controller reports what it did, as Events on the owner. */
  @FunctionalInterface
  public interface EventSink {
    void record(ResourceID owner, String type, String reason, String message);
  }

  private record Wanted(ResourceID owner, APIService apiService) {
  }

  private final KubernetesClient client;
  private final RegistrationMetrics metrics;
  private final int workerCount;
  private final Duration conflictRecheck;
  private final RateLimitingQueue queue;
  private final Map<String, Wanted> desired = new ConcurrentHashMap<>();
  private final Map<ResourceID, Set<String>> owners = new ConcurrentHashMap<>();
  private final Set<ResourceID> removedOwners = ConcurrentHashMap.newKeySet();
  /** Per owner: wanted name to why it cannot be registered (a foreign APIService, another owner). */
  private final Map<ResourceID, Map<String, String>> conflicts = new ConcurrentHashMap<>();
  /** Name to the last error writing it; cleared by the next success. */
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private volatile Consumer<ResourceID> ownerChanged = owner -> { };
  private volatile EventSink events = (owner, type, reason, message) -> { };
  private SharedIndexInformer<APIService> informer;
  private ExecutorService workers;

  public AutoRegistrationController(KubernetesClient client, RegistrationMetrics metrics, int workerCount,
      Duration conflictRecheck) {
    this.client = client;
    this.metrics = metrics;
    this.workerCount = workerCount;
    this.conflictRecheck = conflictRecheck;
    this.queue = new RateLimitingQueue("annex-autoregister", Duration.ofMillis(5), Duration.ofSeconds(30));
  }

  /** Called with an owner whose APIServices or registration state changed, so its status is recomputed. */
  public void onOwnerChanged(Consumer<ResourceID> listener) {
    this.ownerChanged = listener;
  }

  public void onEvent(EventSink sink) {
    this.events = sink;
  }

  /** Starts the informer, waits for its first list, then the workers. */
  public synchronized void start() {
    if (informer != null) {
      return;
    }
    informer = client.resources(APIService.class).withLabel(Labels.MANAGED_BY, "annex").runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(APIService service) {
        observed(service, false);
      }

      @Override
      public void onUpdate(APIService before, APIService after) {
        observed(after, false);
      }

      @Override
      public void onDelete(APIService service, boolean finalStateUnknown) {
        observed(service, true);
      }
    });
    try {
      informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      informer.stop();
      informer = null;
      throw new IllegalStateException("the APIService informer did not sync within " + SYNC_TIMEOUT, e);
    }
    metrics.gauges(queue::depth, () -> informer == null ? 0 : informer.getStore().list().size());
    workers = Executors.newFixedThreadPool(workerCount, r -> {
      Thread t = new Thread(r, "annex-autoregister");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < workerCount; i++) {
      workers.execute(this::runWorker);
    }
    log.info("autoregister started workers={} managedApiServices={}", workerCount, informer.getStore().list().size());
  }

  @Override
  public synchronized void close() {
    queue.close();
    if (workers != null) {
      workers.shutdownNow();
      try {
        workers.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (informer != null) {
      informer.stop();
    }
  }

  /** Adds or replaces the set of APIServices one owner wants; names that left the set are deleted. */
  public synchronized void setOwner(ResourceID owner, List<APIService> wanted) {
    removedOwners.remove(owner);
    Set<String> names = new HashSet<>();
    Map<String, String> claimed = new LinkedHashMap<>();
    for (APIService service : wanted) {
      String name = service.getMetadata().getName();
      Wanted existing = desired.get(name);
      if (existing != null && !existing.owner().equals(owner)) {
        claimed.put(name, "APIService " + name + " is wanted by AggregatedApi " + existing.owner().getNamespace()
            .orElse("") + "/" + existing.owner().getName());
        continue;
      }
      names.add(name);
      if (existing == null || !existing.apiService().equals(service)) {
        desired.put(name, new Wanted(owner, service));
        queue.add(name);
      }
    }
    Set<String> previous = owners.put(owner, names);
    if (previous != null) {
      for (String name : previous) {
        Wanted left = desired.get(name);
        if (!names.contains(name) && left != null && left.owner().equals(owner)) {
          desired.remove(name);
          queue.add(name);
        }
      }
    }
    Map<String, String> ownerConflicts = conflicts.computeIfAbsent(owner, o -> new ConcurrentHashMap<>());
    ownerConflicts.keySet().removeIf(name -> !names.contains(name) && !claimed.containsKey(name));
    ownerConflicts.putAll(claimed);
  }

  /** The owner is gone or no longer wants anything: every APIService it holds is deleted. */
  public synchronized void removeOwner(ResourceID owner) {
    removedOwners.add(owner);
    Set<String> names = owners.remove(owner);
    if (names != null) {
      names.forEach(name -> {
        Wanted wanted = desired.get(name);
        if (wanted != null && wanted.owner().equals(owner)) {
          desired.remove(name);
        }
        queue.add(name);
      });
    }
    conflicts.remove(owner);
    // After a restart the controller may never have heard of the owner: its labelled APIServices tell.
    cached().stream().filter(s -> owner.equals(DesiredApiServices.owner(s).orElse(null)))
        .forEach(s -> queue.add(s.getMetadata().getName()));
  }

  /** Whether any APIService of the owner still exists (its deletion waits for them to go). */
  public boolean holdsAny(ResourceID owner) {
    return cached().stream().anyMatch(s -> owner.equals(DesiredApiServices.owner(s).orElse(null)));
  }

  /** The owner's wanted APIServices as they are now: in place, still being written, or in conflict. */
  public Registration registration(ResourceID owner) {
    List<APIService> current = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    Map<String, String> ownerConflicts = new LinkedHashMap<>(conflicts.getOrDefault(owner, Map.of()));
    for (String name : owners.getOrDefault(owner, Set.of()).stream().sorted().toList()) {
      if (ownerConflicts.containsKey(name)) {
        continue;
      }
      Wanted wanted = desired.get(name);
      APIService have = cachedByName(name);
      if (wanted != null && have != null && DesiredApiServices.matches(wanted.apiService(), have)) {
        current.add(have);
      } else {
        pending.add(name);
        Optional.ofNullable(failures.get(name)).ifPresent(f -> failed.put(name, f));
      }
    }
    current.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    return new Registration(current, pending, new java.util.TreeMap<>(ownerConflicts), failed);
  }

  public int queueDepth() {
    return queue.depth();
  }

  private List<APIService> cached() {
    SharedIndexInformer<APIService> i = informer;
    return i == null ? List.of() : i.getStore().list();
  }

  private APIService cachedByName(String name) {
    SharedIndexInformer<APIService> i = informer;
    return i == null ? null : i.getStore().getByKey(name);
  }

  private void observed(APIService service, boolean deleted) {
    String name = service.getMetadata().getName();
    if (deleted) {
      metrics.forget(name);
    } else {
      metrics.availability(name, Availability.available(service).map(c -> c.getStatus()).orElse("Unknown"));
    }
    queue.add(name);
    DesiredApiServices.owner(service).ifPresent(this::notifyOwner);
  }

  private void notifyOwner(ResourceID owner) {
    try {
      ownerChanged.accept(owner);
    } catch (RuntimeException e) {
      log.warn("owner not notified owner={} error=\"{}\"", owner, e.getMessage());
    }
  }

  private void runWorker() {
    while (!queue.isShuttingDown()) {
      Optional<String> next;
      try {
        next = queue.get(Duration.ofSeconds(1));
      } catch (InterruptedException e) {
        return;
      }
      next.ifPresent(this::process);
    }
  }

  private void process(String name) {
    long start = System.nanoTime();
    try {
      boolean recheck = sync(name);
      queue.forget(name);
      if (failures.remove(name) != null) {
        ownerOf(name).ifPresent(this::notifyOwner);
      }
      if (recheck) {
        // A foreign APIService is outside the informer's label selector: look again later for its removal.
        queue.addAfter(name, conflictRecheck);
      }
    } catch (KubernetesClientException e) {
      String message = e.getCode() > 0 ? e.getCode() + " " + e.getStatus().getMessage() : e.getMessage();
      if (!Objects.equals(failures.put(name, String.valueOf(message)), message)) {
        ownerOf(name).ifPresent(this::notifyOwner);
      }
      metrics.retried();
      log.warn("apiservice sync failed name={} retry={} error=\"{}\"", name, queue.retries(name) + 1, message);
      queue.addRateLimited(name);
    } catch (RuntimeException e) {
      failures.put(name, String.valueOf(e.getMessage()));
      metrics.retried();
      log.warn("apiservice sync failed name={} error=\"{}\"", name, e.toString());
      queue.addRateLimited(name);
    } finally {
      queue.done(name);
      metrics.workDone(System.nanoTime() - start);
    }
  }

  private Optional<ResourceID> ownerOf(String name) {
    return Optional.ofNullable(desired.get(name)).map(Wanted::owner);
  }

  /**
   * Compares what is wanted with the cached APIService and writes the difference. Returns true when
   * the name is held by an APIService Annex must not touch.
   */
  private boolean sync(String name) {
    Wanted wanted = desired.get(name);
    APIService have = cachedByName(name);
    if (have == null) {
      return wanted != null && create(wanted);
    }
    if (wanted == null) {
      deleteIfOrphaned(have);
      return false;
    }
    setConflict(wanted.owner(), name, null);
    if (DesiredApiServices.matches(wanted.apiService(), have)) {
      return false;
    }
    for (int attempt = 1; ; attempt++) {
      APIService next = client.getKubernetesSerialization().clone(have);
      next.getMetadata().setLabels(merged(next.getMetadata().getLabels(), wanted.apiService().getMetadata().getLabels()));
      next.getMetadata().setAnnotations(merged(next.getMetadata().getAnnotations(),
          wanted.apiService().getMetadata().getAnnotations()));
      next.setSpec(wanted.apiService().getSpec());
      try {
        client.resource(next).update();
        metrics.wrote("update");
        log.info("apiservice updated name={} owner={} reason=drift", name, wanted.owner());
        events.record(wanted.owner(), "Normal", "Updated", "Reverted drift in APIService " + name);
        return false;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= CONFLICT_RETRIES) {
          throw e;
        }
        metrics.retried();
        have = client.resources(APIService.class).withName(name).get();
        if (have == null || !DesiredApiServices.isManaged(have)) {
          return have == null ? create(wanted) : foreign(wanted, have);
        }
        if (DesiredApiServices.matches(wanted.apiService(), have)) {
          return false;
        }
      }
    }
  }

  private boolean create(Wanted wanted) {
    String name = wanted.apiService().getMetadata().getName();
    if (conflicts.getOrDefault(wanted.owner(), Map.of()).containsKey(name)) {
      // A recheck of a known conflict reads first, so a foreign APIService that stays costs no write attempt.
      APIService live = client.resources(APIService.class).withName(name).get();
      if (live != null) {
        return DesiredApiServices.isManaged(live) ? false : foreign(wanted, live);
      }
    }
    try {
      client.resource(wanted.apiService()).create();
      metrics.wrote("create");
      setConflict(wanted.owner(), name, null);
      log.info("apiservice created name={} owner={}", name, wanted.owner());
      events.record(wanted.owner(), "Normal", "Created", "Created APIService " + name);
      return false;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      APIService live = client.resources(APIService.class).withName(name).get();
      if (live != null && !DesiredApiServices.isManaged(live)) {
        return foreign(wanted, live);
      }
      // Ours, but the informer has not shown it yet: its event queues the name again.
      return false;
    }
  }

  private boolean foreign(Wanted wanted, APIService live) {
    String name = live.getMetadata().getName();
    setConflict(wanted.owner(), name, "APIService " + name + " already exists and is not managed by Annex (no "
        + Labels.MANAGED_BY_ANNEX + " label); it is left as it is");
    return true;
  }

  private void deleteIfOrphaned(APIService have) {
    String name = have.getMetadata().getName();
    Optional<ResourceID> owner = DesiredApiServices.owner(have);
    String why;
    if (owner.isEmpty()) {
      why = "it names no owner";
    } else if (owners.containsKey(owner.get())) {
      why = "its version is no longer served";
    } else if (removedOwners.contains(owner.get())) {
      why = "its AggregatedApi is being deleted";
    } else if (!ownerExists(owner.get())) {
      why = null;
    } else {
      // The owner exists but has not said what it wants yet (the operator just started): its reconcile will.
      return;
    }
    client.resources(APIService.class).withName(name).delete();
    metrics.wrote("delete");
    log.info("apiservice deleted name={} owner={} reason=\"{}\"", name, owner.map(Object::toString).orElse(""),
        why == null ? "its AggregatedApi is gone" : why);
    if (why != null && owner.isPresent()) {
      events.record(owner.get(), "Normal", "Deleted", "Deleted APIService " + name + ": " + why);
    }
  }

  private boolean ownerExists(ResourceID owner) {
    return client.resources(AggregatedApi.class).inNamespace(owner.getNamespace().orElse(""))
        .withName(owner.getName()).get() != null;
  }

  private void setConflict(ResourceID owner, String name, String message) {
    Map<String, String> ownerConflicts = conflicts.computeIfAbsent(owner, o -> new ConcurrentHashMap<>());
    String previous = message == null ? ownerConflicts.remove(name) : ownerConflicts.put(name, message);
    if (!Objects.equals(previous, message)) {
      if (message != null) {
        log.warn("apiservice conflict name={} owner={} message=\"{}\"", name, owner, message);
        events.record(owner, "Warning", "Conflict", message);
      }
      notifyOwner(owner);
    }
  }

  private static Map<String, String> merged(Map<String, String> have, Map<String, String> want) {
    Map<String, String> result = new LinkedHashMap<>(have == null ? Map.of() : have);
    result.putAll(want == null ? Map.of() : want);
    return result;
  }
}
