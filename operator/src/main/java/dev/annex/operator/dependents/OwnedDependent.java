package dev.annex.operator.dependents;

import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * An object in the {@code AggregatedApi}'s namespace, owned by it (garbage-collected with it). Records
 * an Event when created, and names its target without rendering it (rendering may be costly).
 */
abstract class OwnedDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, AggregatedApi> {

  OwnedDependent(Class<R> type) {
    super(type);
  }

  abstract String name(ResourceNames names);

  @Override
  public R create(R desired, AggregatedApi primary, Context<AggregatedApi> context) {
    R created = super.create(desired, primary, context);
    EventRecorder.created(context.getClient(), primary, created);
    return created;
  }

  @Override
  protected ResourceID targetSecondaryResourceID(AggregatedApi primary, Context<AggregatedApi> context) {
    return new ResourceID(name(ResourceNames.of(primary)), primary.getMetadata().getNamespace());
  }
}
