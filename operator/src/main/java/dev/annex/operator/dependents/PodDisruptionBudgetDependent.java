package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * {@code minAvailable: 1} over the runtime's pods when it runs more than one replica (see
 * {@link HighlyAvailable}): a node drain evicts them one at a time and never the last ready one, so
 * the aggregated API stays available (the recipe metrics-server users write by hand).
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class PodDisruptionBudgetDependent extends OwnedDependent<PodDisruptionBudget> {

  public PodDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.apiserver();
  }

  @Override
  protected PodDisruptionBudget desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
          .withName(names.apiserver()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata()
        .withNewSpec()
          .withMinAvailable(new IntOrString(1))
          .withNewSelector().withMatchLabels(Labels.selector(primary)).endSelector()
        .endSpec()
        .build();
  }
}
