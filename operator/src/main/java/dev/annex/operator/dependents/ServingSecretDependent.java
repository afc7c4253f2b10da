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

/** The serving certificate, key and CA certificate the runtime's pods mount (kubernetes.io/tls). */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class ServingSecretDependent extends OwnedDependent<Secret> {

  public ServingSecretDependent() {
    super(Secret.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.servingSecret();
  }

  @Override
  protected Secret desired(AggregatedApi primary, Context<AggregatedApi> context) {
    CertificateBundle bundle = Certificates.of(context);
    ResourceNames names = ResourceNames.of(primary);
    return new SecretBuilder()
        .withNewMetadata()
          .withName(names.servingSecret()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata()
        .withType("kubernetes.io/tls")
        .addToData(ServingCertificates.TLS_CRT, Certificates.base64(bundle.certificatePem()))
        .addToData(ServingCertificates.TLS_KEY, Certificates.base64(bundle.keyPem()))
        .addToData(ServingCertificates.CA_CRT, Certificates.base64(bundle.caCertificatePem()))
        .build();
  }
}
