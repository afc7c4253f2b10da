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

/**
 * The CA certificate and key, in a Secret of its own that no pod mounts: the runtime only needs the
 * leaf, and a compromised pod must not be able to mint certificates the aggregator trusts.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.CA_SECRET_SELECTOR))
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
    return Certificates.tlsSecret(primary, ResourceNames.of(primary).caSecret(), Labels.CERTIFICATE_AUTHORITY, Map.of(
        ServingCertificates.TLS_CRT, bundle.caCertificatePem(),
        ServingCertificates.TLS_KEY, bundle.caKeyPem()));
  }

  @Override
  public Secret create(Secret desired, AggregatedApi primary, Context<AggregatedApi> context) {
    Certificates.refuseToRecreateKept(Certificates.of(context).ca(), desired);
    return super.create(desired, primary, context);
  }
}
