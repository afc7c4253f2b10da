package dev.annex.operator;

import dev.annex.operator.api.AggregatedApi;

/**
 * The names of everything the operator creates for one {@code AggregatedApi}, in one place so the
 * dependents, the registration and the tests agree. Cluster-wide names carry the namespace too,
 * because two namespaces may hold an {@code AggregatedApi} of the same name.
 */
public record ResourceNames(String namespace, String name) {

  public static final String KUBE_SYSTEM = "kube-system";

  public static ResourceNames of(AggregatedApi api) {
    return new ResourceNames(api.getMetadata().getNamespace(), api.getMetadata().getName());
  }

  /** The Deployment, its ServiceAccount and the Service share this name. */
  public String apiserver() {
    return name + "-apiserver";
  }

  public String servingSecret() {
    return name + "-apiserver-tls";
  }

  /** The CA key lives here, in a Secret the pods never mount. */
  public String caSecret() {
    return name + "-ca";
  }

  public String definitionConfigMap() {
    return name + "-apiserver-definition";
  }

  public String authDelegatorBinding() {
    return "annex:" + namespace + ":" + name + ":auth-delegator";
  }

  public String authReaderBinding() {
    return "annex:" + namespace + ":" + name + ":auth-reader";
  }

  /** The DNS names the aggregator and in-cluster clients use for the Service. */
  public java.util.List<String> serviceDnsNames() {
    String svc = apiserver();
    return java.util.List.of(svc, svc + "." + namespace, svc + "." + namespace + ".svc",
        svc + "." + namespace + ".svc.cluster.local");
  }
}
