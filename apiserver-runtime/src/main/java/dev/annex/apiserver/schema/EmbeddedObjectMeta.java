package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The metadata of an {@code x-kubernetes-embedded-resource}: kube-apiserver round-trips it through
 * ObjectMeta, so any field ObjectMeta does not have is dropped and reported as unknown.
 */
final class EmbeddedObjectMeta {

  static final Set<String> FIELDS = Set.of("name", "generateName", "namespace", "selfLink", "uid",
      "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
      "labels", "annotations", "ownerReferences", "finalizers", "managedFields");

  private EmbeddedObjectMeta() {
  }

  static void prune(JsonNode metadata, String path, List<String> unknown) {
    if (!(metadata instanceof ObjectNode object)) {
      return;
    }
    Iterator<String> names = object.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        unknown.add(path + "." + name);
        names.remove();
      }
    }
  }
}
