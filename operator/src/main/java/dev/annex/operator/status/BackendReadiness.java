package dev.annex.operator.status;

import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.util.Optional;

/** Whether the runtime can serve: its Deployment's ready replicas, or the external backend's address. */
public record BackendReadiness(boolean ready, String reason, String message) {

  public static BackendReadiness of(AggregatedApi api, Optional<Deployment> deployment) {
    var external = api.getSpec().external;
    if (external != null) {
      return new BackendReadiness(true, "ExternalBackend",
          "served from outside the cluster at " + external.host + ":" + external.effectivePort());
    }
    if (deployment.isEmpty()) {
      return new BackendReadiness(false, "DeploymentMissing", "the runtime Deployment does not exist yet");
    }
    int wanted = api.getSpec().effectiveReplicas();
    var status = deployment.get().getStatus();
    int ready = status == null || status.getReadyReplicas() == null ? 0 : status.getReadyReplicas();
    if (ready >= wanted) {
      return new BackendReadiness(true, "DeploymentReady", ready + "/" + wanted + " runtime replicas are ready");
    }
    return new BackendReadiness(false, "DeploymentNotReady", ready + "/" + wanted
        + " runtime replicas are ready; see the pods of Deployment " + deployment.get().getMetadata().getName());
  }
}
