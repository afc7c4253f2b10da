package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The identity the runtime uses for TokenReviews and SubjectAccessReviews (delegated auth). */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class ServiceAccountDependent extends OwnedDependent<ServiceAccount> {

  public ServiceAccountDependent() {
    super(ServiceAccount.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.apiserver();
  }

  @Override
  protected ServiceAccount desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    return new ServiceAccountBuilder()
        .withNewMetadata()
          .withName(names.apiserver()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata()
        .build();
  }
}
