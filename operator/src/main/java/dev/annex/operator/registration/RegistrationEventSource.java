package dev.annex.operator.registration;

import dev.annex.operator.api.AggregatedApi;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

/**
 * Ties the {@link AutoRegistrationController} to the operator's life (started before the first
 * reconcile, with its informer synced, so a restart sees every APIService at once; stopped with the
 * operator) and turns its news about an owner (an APIService created, deleted, edited or given a new
 * {@code Available} condition; a conflict found or resolved) into a reconcile of that owner.
 */
public final class RegistrationEventSource extends SimpleInboundEventSource<AggregatedApi> {
  private final AutoRegistrationController controller;

  public RegistrationEventSource(AutoRegistrationController controller) {
    super("apiservice-registration");
    this.controller = controller;
    controller.onOwnerChanged(this::propagateEvent);
  }

  @Override
  public void start() throws OperatorException {
    controller.start();
    super.start();
  }

  @Override
  public void stop() throws OperatorException {
    super.stop();
    controller.close();
  }
}
