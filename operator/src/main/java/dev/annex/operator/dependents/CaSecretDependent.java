package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.certificates.CertificateBundle;
import dev.annex.operator.certificates.ServingCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The CA certificate and key, in a Secret of its own that no pod mounts: the runtime only needs the
 * leaf, and a compromised pod must not be able to mint certificates the aggregator trusts.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class CaSecretDependent extends OwnedDependent<Secret> {

  public CaSecretDependent() {
    super(Secret.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.caSecret();
  }

  @Override
  protected Secret desired(AggregatedApi primary, Context<AggregatedApi> context) {
    CertificateBundle bundle = Certificates.of(context);
    ResourceNames names = ResourceNames.of(primary);
    return new SecretBuilder()
        .withNewMetadata()
          .withName(names.caSecret()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata()
        .withType("kubernetes.io/tls")
        .addToData(ServingCertificates.TLS_CRT, Certificates.base64(bundle.caCertificatePem()))
        .addToData(ServingCertificates.TLS_KEY, Certificates.base64(bundle.caKeyPem()))
        .build();
  }
}
