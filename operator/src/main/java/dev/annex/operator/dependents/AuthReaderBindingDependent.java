package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Lets the runtime read the extension-apiserver-authentication ConfigMap (front-proxy CA and allowed
 * names). It must live in kube-system, outside the owner's namespace, so it is cleaned up explicitly.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX, namespaces = ResourceNames.KUBE_SYSTEM))
public class AuthReaderBindingDependent extends UnownedDependent<RoleBinding> {

  public AuthReaderBindingDependent() {
    super(RoleBinding.class);
  }

  @Override
  ResourceID id(ResourceNames names) {
    return new ResourceID(names.authReaderBinding(), ResourceNames.KUBE_SYSTEM);
  }

  @Override
  protected RoleBinding desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    return new RoleBindingBuilder()
        .withNewMetadata().withName(names.authReaderBinding()).withNamespace(ResourceNames.KUBE_SYSTEM)
          .withLabels(Labels.owned(primary)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
          .withName("extension-apiserver-authentication-reader").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(names.apiserver())
          .withNamespace(names.namespace()).endSubject()
        .build();
  }
}
