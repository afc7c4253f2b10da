package dev.annex.operator;

import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceCondition;
import io.fabric8.kubernetes.api.model.APIServiceConditionBuilder;
import io.fabric8.kubernetes.api.model.APIServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for the kube-aggregator's availability controller, which the mock API server lacks: it
 * watches every APIService and writes the {@code Available} condition the test sets for its name
 * (by default True/Passed), and only when that differs from what is there, as the real one does.
 */
final class FakeAggregator implements AutoCloseable {
  private record Verdict(String status, String reason, String message) {
  }

  private static final Verdict PASSED = new Verdict("True", "Passed", "all checks passed");

  private final KubernetesClient client;
  private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
  private final SharedIndexInformer<APIService> informer;

  FakeAggregator(KubernetesClient client) {
    this.client = client;
    this.informer = client.resources(APIService.class).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(APIService service) {
        judge(service.getMetadata().getName());
      }

      @Override
      public void onUpdate(APIService before, APIService after) {
        judge(after.getMetadata().getName());
      }

      @Override
      public void onDelete(APIService service, boolean finalStateUnknown) {
      }
    });
  }

  /** What the aggregator says about this APIService from now on. */
  void set(String name, String status, String reason, String message) {
    verdicts.put(name, new Verdict(status, reason, message));
    judge(name);
  }

  private synchronized void judge(String name) {
    Verdict verdict = verdicts.getOrDefault(name, PASSED);
    for (int attempt = 0; attempt < 5; attempt++) {
      APIService service = client.resources(APIService.class).withName(name).get();
      if (service == null) {
        return;
      }
      APIServiceCondition current = service.getStatus() == null || service.getStatus().getConditions() == null ? null
          : service.getStatus().getConditions().stream().filter(c -> "Available".equals(c.getType())).findFirst()
              .orElse(null);
      if (current != null && Objects.equals(current.getStatus(), verdict.status())
          && Objects.equals(current.getReason(), verdict.reason()) && Objects.equals(current.getMessage(), verdict.message())) {
        return;
      }
      service.setStatus(new APIServiceStatusBuilder().withConditions(new APIServiceConditionBuilder()
          .withType("Available").withStatus(verdict.status()).withReason(verdict.reason()).withMessage(verdict.message())
          .withLastTransitionTime(Instant.now().toString()).build()).build());
      try {
        client.resource(service).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    informer.stop();
  }
}
