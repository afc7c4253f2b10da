package dev.annex.operator.dependents;

import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDNoGCKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * A cluster-scoped or cross-namespace object, which an owner reference cannot tie to the namespaced
 * {@code AggregatedApi}: JOSDK maps it back through annotations and deletes it in the cleanup the
 * finalizer guarantees.
 */
abstract class UnownedDependent<R extends HasMetadata> extends CRUDNoGCKubernetesDependentResource<R, AggregatedApi> {

  UnownedDependent(Class<R> type) {
    super(type);
  }

  abstract ResourceID id(ResourceNames names);

  @Override
  public R create(R desired, AggregatedApi primary, Context<AggregatedApi> context) {
    R created = super.create(desired, primary, context);
    EventRecorder.created(context.getClient(), primary, created);
    return created;
  }

  @Override
  protected ResourceID targetSecondaryResourceID(AggregatedApi primary, Context<AggregatedApi> context) {
    return id(ResourceNames.of(primary));
  }
}
