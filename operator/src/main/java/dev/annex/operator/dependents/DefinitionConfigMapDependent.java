package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The API definition the runtime serves, mounted at {@code /etc/annex/api}. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class DefinitionConfigMapDependent extends OwnedDependent<ConfigMap> {

  public DefinitionConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.definitionConfigMap();
  }

  @Override
  protected ConfigMap desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    return new ConfigMapBuilder()
        .withNewMetadata()
          .withName(names.definitionConfigMap()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata()
        .addToData(ApiDefinitionDocument.KEY, ApiDefinitionDocument.yaml(primary))
        .build();
  }
}
