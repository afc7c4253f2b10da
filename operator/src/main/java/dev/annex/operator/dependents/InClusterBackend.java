package dev.annex.operator.dependents;

import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The runtime runs in the cluster unless {@code spec.external} points elsewhere; otherwise no Deployment. */
public class InClusterBackend implements Condition<Deployment, AggregatedApi> {
  @Override
  public boolean isMet(DependentResource<Deployment, AggregatedApi> dependentResource, AggregatedApi primary,
      Context<AggregatedApi> context) {
    return primary.getSpec().external == null;
  }
}
