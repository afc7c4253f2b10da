package dev.annex.operator.registration;

import dev.annex.operator.Labels;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Makes the APIServices an {@code AggregatedApi} owns (found by its owner label) equal the desired set:
 * creates what is missing, reverts drift in the fields Annex sets, deletes what is no longer wanted.
 * Reads are a label-selected list; a write happens only when something differs.
 */
public final class ApiServiceRegistration {

  /** What one sync did, and every owned APIService as it now is (for status). */
  public record Result(List<String> created, List<String> updated, List<String> deleted, List<APIService> current) {
  }

  private ApiServiceRegistration() {
  }

  public static Result sync(KubernetesClient client, AggregatedApi api, List<APIService> desired) {
    Map<String, APIService> existing = owned(client, api).stream()
        .collect(Collectors.toMap(s -> s.getMetadata().getName(), Function.identity()));
    List<String> created = new ArrayList<>();
    List<String> updated = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    List<APIService> current = new ArrayList<>();
    for (APIService want : desired) {
      String name = want.getMetadata().getName();
      APIService have = existing.remove(name);
      if (have == null) {
        current.add(createOrAdopt(client, want));
        created.add(name);
      } else if (!matches(want, have)) {
        have.getMetadata().setLabels(merged(have.getMetadata().getLabels(), want.getMetadata().getLabels()));
        have.getMetadata().setAnnotations(merged(have.getMetadata().getAnnotations(), want.getMetadata().getAnnotations()));
        have.setSpec(want.getSpec());
        current.add(client.resource(have).update());
        updated.add(name);
      } else {
        current.add(have);
      }
    }
    for (APIService unwanted : existing.values()) {
      client.resource(unwanted).delete();
      deleted.add(unwanted.getMetadata().getName());
    }
    return new Result(created, updated, deleted, current);
  }

  /** Deletes every APIService the {@code AggregatedApi} owns; returns their names. */
  public static List<String> removeAll(KubernetesClient client, AggregatedApi api) {
    List<String> names = new ArrayList<>();
    for (APIService service : owned(client, api)) {
      client.resource(service).delete();
      names.add(service.getMetadata().getName());
    }
    return names;
  }

  private static List<APIService> owned(KubernetesClient client, AggregatedApi api) {
    return client.resources(APIService.class)
        .withLabel(Labels.OWNER, Labels.ownerValue(api))
        .list().getItems();
  }

  /** An APIService of that name may exist unlabelled (made by hand): take it over rather than fail. */
  private static APIService createOrAdopt(KubernetesClient client, APIService want) {
    try {
      return client.resource(want).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      APIService have = client.resources(APIService.class).withName(want.getMetadata().getName()).get();
      have.getMetadata().setLabels(merged(have.getMetadata().getLabels(), want.getMetadata().getLabels()));
      have.getMetadata().setAnnotations(merged(have.getMetadata().getAnnotations(), want.getMetadata().getAnnotations()));
      have.setSpec(want.getSpec());
      return client.resource(have).update();
    }
  }

  static boolean matches(APIService want, APIService have) {
    APIServiceSpec w = want.getSpec();
    APIServiceSpec h = have.getSpec();
    return h != null
        && Objects.equals(w.getGroup(), h.getGroup())
        && Objects.equals(w.getVersion(), h.getVersion())
        && Objects.equals(w.getGroupPriorityMinimum(), h.getGroupPriorityMinimum())
        && Objects.equals(w.getVersionPriority(), h.getVersionPriority())
        && Objects.equals(w.getCaBundle(), h.getCaBundle())
        && !Boolean.TRUE.equals(h.getInsecureSkipTLSVerify())
        && h.getService() != null
        && Objects.equals(w.getService().getNamespace(), h.getService().getNamespace())
        && Objects.equals(w.getService().getName(), h.getService().getName())
        && Objects.equals(w.getService().getPort(), h.getService().getPort())
        && contains(have.getMetadata().getLabels(), want.getMetadata().getLabels())
        && contains(have.getMetadata().getAnnotations(), want.getMetadata().getAnnotations());
  }

  private static boolean contains(Map<String, String> have, Map<String, String> want) {
    return have != null && have.entrySet().containsAll(want.entrySet());
  }

  private static Map<String, String> merged(Map<String, String> have, Map<String, String> want) {
    Map<String, String> result = new java.util.LinkedHashMap<>(have == null ? Map.of() : have);
    result.putAll(want);
    return result;
  }
}
