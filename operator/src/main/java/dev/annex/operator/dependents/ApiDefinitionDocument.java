package dev.annex.operator.dependents;

import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The {@code aggregatedapi.yaml} the runtime reads with {@code --api-definition}: the AggregatedApi
 * itself (apiVersion, kind, name, namespace, spec), so a runtime started by hand reads the same file
 * the user applied. Status and server-set metadata are left out so they cannot roll the pods.
 */
public final class ApiDefinitionDocument {
  public static final String KEY = "aggregatedapi.yaml";

  private ApiDefinitionDocument() {
  }

  public static String yaml(AggregatedApi api) {
    AggregatedApi copy = new AggregatedApi();
    copy.setMetadata(new ObjectMetaBuilder()
        .withName(api.getMetadata().getName()).withNamespace(api.getMetadata().getNamespace()).build());
    copy.setSpec(api.getSpec());
    copy.setStatus(null);
    return Serialization.asYaml(copy);
  }
}
