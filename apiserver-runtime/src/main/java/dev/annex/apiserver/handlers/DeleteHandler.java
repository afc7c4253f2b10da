package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.DeleteOptions;
import dev.annex.apiserver.registry.Deleted;
import dev.annex.apiserver.registry.ListQuery;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.status.StatusException;

import java.util.ArrayList;
import java.util.List;

/**
 * DELETE of one object (a Success Status once it is gone; the object itself while finalizers keep
 * it) and of a collection (the deleted objects as a list), with DeleteOptions from the body or the
 * query: preconditions, propagationPolicy, dryRun.
 */
final class DeleteHandler {

  private DeleteHandler() {
  }

  static ApiResponse delete(ResourceRequest rr) {
    DeleteOptions options = options(rr.http());
    Deleted deleted = rr.store().delete(rr.namespace(), rr.name(), options);
    if (!deleted.gone()) {
      return Output.object(rr, 200, deleted.object(), List.of());
    }
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    ObjectNode details = status.putObject("details");
    details.put("name", rr.name()).put("group", rr.group()).put("kind", rr.store().resource().plural())
        .put("uid", deleted.object().path("metadata").path("uid").asText());
    return ApiResponse.json(200, status);
  }

  static ApiResponse deleteCollection(ResourceRequest rr) {
    DeleteOptions options = options(rr.http());
    ListQuery query = ListHandler.query(rr.http());
    ResourceStore.ListPage page = rr.store().list(rr.namespace(), new ListQuery(null, null, 0, null, query.selector()));
    List<ObjectNode> deleted = new ArrayList<>();
    for (ObjectNode o : page.items()) {
      JsonNode meta = o.path("metadata");
      try {
        Deleted d = rr.store().delete(meta.path("namespace").asText(""), meta.path("name").asText(), options);
        deleted.add(d.object());
      } catch (StatusException e) {
        if (e.code() != 404) {
          throw e;
        }
      }
    }
    return Output.list(rr, new ResourceStore.ListPage(deleted, rr.store().currentResourceVersion(), null, null));
  }

  static DeleteOptions options(ApiRequest request) {
    JsonNode body = JsonNodeFactory.instance.objectNode();
    if (request.body().length > 0) {
      try {
        body = Bodies.JSON.readTree(request.body());
      } catch (java.io.IOException e) {
        throw StatusException.badRequest("error decoding DeleteOptions: " + e.getMessage());
      }
      if (body == null || !body.isObject()) {
        throw StatusException.badRequest("error decoding DeleteOptions: not an object");
      }
    }
    JsonNode pre = body.path("preconditions");
    String policy = body.path("propagationPolicy").asText(request.param("propagationPolicy"));
    if (body.path("orphanDependents").isBoolean() && policy == null) {
      policy = body.path("orphanDependents").asBoolean() ? "Orphan" : "Background";
    }
    if (policy != null && !policy.isEmpty() && !List.of("Orphan", "Background", "Foreground").contains(policy)) {
      throw StatusException.badRequest("propagationPolicy: Unsupported value: \"" + policy
          + "\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
    }
    List<String> dryRun = new ArrayList<>(request.params("dryRun"));
    if (body.path("dryRun").isArray()) {
      ((ArrayNode) body.get("dryRun")).forEach(v -> dryRun.add(v.asText()));
    }
    return new DeleteOptions(pre.hasNonNull("uid") ? pre.get("uid").asText() : null,
        pre.hasNonNull("resourceVersion") ? pre.get("resourceVersion").asText() : null, policy,
        WriteParams.dryRun(dryRun));
  }
}
