package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.certificates.CertificateBundle;
import dev.annex.operator.certificates.ServingCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

import java.util.Map;

/** The serving certificate, key and CA certificate the runtime's pods mount (kubernetes.io/tls). */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.SERVING_SECRET_SELECTOR))
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
    return Certificates.tlsSecret(primary, ResourceNames.of(primary).servingSecret(), Labels.SERVING_CERTIFICATE, Map.of(
        ServingCertificates.TLS_CRT, bundle.certificatePem(),
        ServingCertificates.TLS_KEY, bundle.keyPem(),
        ServingCertificates.CA_CRT, bundle.caCertificatePem()));
  }

  @Override
  public Secret create(Secret desired, AggregatedApi primary, Context<AggregatedApi> context) {
    Certificates.refuseToRecreateKept(Certificates.of(context).leaf(), desired);
    return super.create(desired, primary, context);
  }
}
