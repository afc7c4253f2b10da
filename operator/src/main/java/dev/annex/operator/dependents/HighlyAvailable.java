package dev.annex.operator.dependents;

import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.AggregatedApiSpec;
import dev.annex.operator.api.Storage;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * More than one replica of the runtime in the cluster, which only etcd storage allows: then the
 * Deployment rolls without losing a ready pod, spreads across nodes, and a PodDisruptionBudget keeps
 * one pod through node drains. Scaled back to one, the budget is deleted.
 */
public class HighlyAvailable implements Condition<HasMetadata, AggregatedApi> {

  @Override
  public boolean isMet(DependentResource<HasMetadata, AggregatedApi> dependentResource, AggregatedApi primary,
      Context<AggregatedApi> context) {
    return holds(primary.getSpec());
  }

  static boolean holds(AggregatedApiSpec spec) {
    return spec.external == null && spec.storageType() == Storage.Type.Etcd && spec.effectiveReplicas() > 1;
  }
}
