package dev.annex.operator.status;

import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kubernetes Events on an {@code AggregatedApi} for what the operator created, renewed or refused.
 * An Event that cannot be written is logged and dropped: it must never fail a reconcile.
 */
public final class EventRecorder {
  public static final String COMPONENT = "annex-operator";
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private EventRecorder() {
  }

  public static void created(KubernetesClient client, AggregatedApi api, HasMetadata object) {
    normal(client, api, "Created", "Created " + object.getKind() + " " + qualifiedName(object));
  }

  public static void normal(KubernetesClient client, AggregatedApi api, String reason, String message) {
    record(client, api, "Normal", reason, message);
  }

  public static void warning(KubernetesClient client, AggregatedApi api, String reason, String message) {
    record(client, api, "Warning", reason, message);
  }

  /**
   * For code that knows only the owner's name (the registration controller): the Event names the
   * {@code AggregatedApi} without its uid, which {@code kubectl describe} matches by name.
   */
  public static void record(KubernetesClient client, String namespace, String name, String type, String reason,
      String message) {
    record(client, new ObjectReferenceBuilder().withApiVersion(HasMetadata.getApiVersion(AggregatedApi.class))
        .withKind(HasMetadata.getKind(AggregatedApi.class)).withNamespace(namespace).withName(name).build(),
        type, reason, message);
  }

  private static void record(KubernetesClient client, AggregatedApi api, String type, String reason, String message) {
    var meta = api.getMetadata();
    record(client, new ObjectReferenceBuilder()
        .withApiVersion(api.getApiVersion()).withKind(api.getKind())
        .withNamespace(meta.getNamespace()).withName(meta.getName()).withUid(meta.getUid())
        .withResourceVersion(meta.getResourceVersion()).build(), type, reason, message);
  }

  private static void record(KubernetesClient client, ObjectReference involved, String type, String reason,
      String message) {
    String now = Instant.now().toString();
    var event = new EventBuilder()
        .withNewMetadata()
          .withNamespace(involved.getNamespace())
          .withName(involved.getName() + "." + Long.toHexString(System.nanoTime()) + SEQUENCE.incrementAndGet())
        .endMetadata()
        .withInvolvedObject(involved)
        .withType(type).withReason(reason).withMessage(message)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    log.info("event type={} reason={} object={}/{} message=\"{}\"", type, reason, involved.getNamespace(),
        involved.getName(), message);
    try {
      client.v1().events().inNamespace(involved.getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn("event not recorded object={}/{} reason={} error=\"{}\"", involved.getNamespace(), involved.getName(),
          reason, e.getMessage());
    }
  }

  private static String qualifiedName(HasMetadata object) {
    String ns = object.getMetadata().getNamespace();
    return ns == null ? object.getMetadata().getName() : ns + "/" + object.getMetadata().getName();
  }
}
