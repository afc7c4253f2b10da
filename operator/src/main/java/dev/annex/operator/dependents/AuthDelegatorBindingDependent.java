package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** Lets the runtime's ServiceAccount create TokenReviews and SubjectAccessReviews. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class AuthDelegatorBindingDependent extends UnownedDependent<ClusterRoleBinding> {

  public AuthDelegatorBindingDependent() {
    super(ClusterRoleBinding.class);
  }

  @Override
  ResourceID id(ResourceNames names) {
    return new ResourceID(names.authDelegatorBinding());
  }

  @Override
  protected ClusterRoleBinding desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    return new ClusterRoleBindingBuilder()
        .withNewMetadata().withName(names.authDelegatorBinding()).withLabels(Labels.owned(primary)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
          .withName("system:auth-delegator").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(names.apiserver())
          .withNamespace(names.namespace()).endSubject()
        .build();
  }
}
