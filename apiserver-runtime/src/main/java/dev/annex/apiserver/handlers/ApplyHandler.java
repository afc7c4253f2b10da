package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.apply.ApplyPatchYaml;
import dev.annex.apiserver.apply.FieldManager;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.ManagedFieldsUpdate;
import dev.annex.apiserver.registry.WriteOptions;
import dev.annex.apiserver.registry.Written;
import dev.annex.apiserver.status.StatusException;

/**
 * Server-side apply: a PATCH with {@code application/apply-patch+yaml}. The field manager merges the
 * applied configuration into the live object (409 on conflicts unless {@code force}); an object that
 * does not exist is created (201), named by the URL, except through {@code /status}. The result then
 * takes the store's usual path: prune, default, validate, store (nothing with {@code dryRun=All}).
 */
final class ApplyHandler {

  static final String APPLY_PATCH_YAML = "application/apply-patch+yaml";
  /** A create racing a delete, or an update racing a create, is retried this many times. */
  private static final int ATTEMPTS = 3;

  private ApplyHandler() {
  }

  static ApiResponse apply(ResourceRequest rr) {
    String fieldManager = rr.http().param("fieldManager");
    String forceParam = rr.http().param("force");
    FieldManager.validatePatchOptions(true, fieldManager, forceParam != null);
    boolean force = Boolean.parseBoolean(forceParam);
    JsonNode applied = ApplyPatchYaml.read(rr.http().bodyText());
    FieldManager fm = rr.fieldManager();
    WriteOptions options = WriteParams.options(rr.http());
    for (int attempt = 1; ; attempt++) {
      boolean retry = attempt < ATTEMPTS;
      if (!rr.status() && rr.store().find(rr.namespace(), rr.name()).isEmpty()) {
        try {
          ObjectNode created = fm.apply(null, applied, fieldManager, force, "");
          checkName(rr, created);
          Written written = rr.store().create(rr.namespace(), created, options, ManagedFieldsUpdate.KEEP);
          return Output.object(rr, 201, written.object(), written.warnings());
        } catch (StatusException e) {
          if (retry && e.code() == 409 && "AlreadyExists".equals(e.reason())) {
            continue;
          }
          throw e;
        }
      }
      try {
        Written written = rr.store().update(rr.namespace(), rr.name(), current -> {
          rr.inRequestedVersion(current);
          return fm.apply(current, applied, fieldManager, force, rr.subresource());
        }, options, rr.status(), ManagedFieldsUpdate.KEEP);
        return Output.object(rr, 200, written.object(), written.warnings());
      } catch (StatusException e) {
        if (retry && !rr.status() && e.code() == 404) {
          continue;
        }
        throw e;
      }
    }
  }

  /** Upstream's checkName: the applied object is the one the URL names (its namespace may be left out). */
  private static void checkName(ResourceRequest rr, ObjectNode object) {
    String name = object.path("metadata").path("name").asText("");
    if (!name.equals(rr.name())) {
      throw StatusException.badRequest("the name of the object (" + name + ") does not match the name on the URL ("
          + rr.name() + ")");
    }
    String namespace = object.path("metadata").path("namespace").asText("");
    if (!rr.namespace().isEmpty() && !namespace.isEmpty() && !namespace.equals(rr.namespace())) {
      throw StatusException.badRequest("the namespace of the object (" + namespace
          + ") does not match the namespace on the URL (" + rr.namespace() + ")");
    }
  }
}
