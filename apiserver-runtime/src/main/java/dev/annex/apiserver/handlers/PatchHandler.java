package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.apply.FieldManager;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.Written;
import dev.annex.apiserver.status.StatusException;

/**
 * PATCH of an object or its status: JSON patch, merge patch, and strategic merge patch treated as
 * a merge patch (a custom resource has no patch strategies, so lists are replaced). The patch is
 * applied to the current state inside the guaranteed update, so a concurrent write is retried, not
 * lost. Each records an Update in managedFields; server-side apply ({@code application/apply-patch+yaml})
 * is {@link ApplyHandler}.
 */
final class PatchHandler {

  private PatchHandler() {
  }

  static ApiResponse patch(ResourceRequest rr) {
    String type = Bodies.mediaType(rr.http());
    if (type.equals(ApplyHandler.APPLY_PATCH_YAML)) {
      return ApplyHandler.apply(rr);
    }
    JsonNode patch;
    switch (type) {
      case "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json" -> {
        try {
          patch = Bodies.JSON.readTree(rr.http().body());
        } catch (java.io.IOException e) {
          throw StatusException.badRequest("error decoding patch: " + e.getMessage());
        }
        if (patch == null || patch.isMissingNode()) {
          throw StatusException.badRequest("error decoding patch: the patch is empty");
        }
      }
      default -> throw new StatusException(415, "UnsupportedMediaType", "the body of the request was in an unknown "
          + "format - accepted media types include: application/json-patch+json, application/merge-patch+json, "
          + "application/apply-patch+yaml, application/strategic-merge-patch+json", null);
    }
    FieldManager.validatePatchOptions(false, rr.http().param("fieldManager"), rr.http().param("force") != null);
    boolean jsonPatch = type.equals("application/json-patch+json");
    if (jsonPatch && !patch.isArray()) {
      throw StatusException.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    }
    if (!jsonPatch && !patch.isObject()) {
      throw StatusException.badRequest("error decoding patch: a merge patch must be a JSON object");
    }
    JsonNode finalPatch = patch;
    Written written = rr.store().update(rr.namespace(), rr.name(), current -> {
      rr.inRequestedVersion(current);
      JsonNode patched = jsonPatch ? Patches.applyJsonPatch(current, finalPatch) : Patches.mergePatch(current, finalPatch);
      if (!patched.isObject()) {
        throw StatusException.badRequest("the patched object is not a JSON object");
      }
      ObjectNode result = (ObjectNode) patched;
      String expected = rr.group() + "/" + rr.version();
      if (!expected.equals(result.path("apiVersion").asText()) || !rr.store().resource().kind().equals(result.path("kind").asText())) {
        throw StatusException.badRequest("the patch may not change apiVersion or kind");
      }
      return result;
    }, WriteParams.options(rr.http()), rr.status(), rr.recordUpdate());
    return Output.object(rr, 200, written.object(), written.warnings());
  }
}
