package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.Written;

/** PUT of an object or its status: the body replaces the stored object (resourceVersion required). */
final class UpdateHandler {

  private UpdateHandler() {
  }

  static ApiResponse update(ResourceRequest rr) {
    ObjectNode body = Bodies.object(rr.http(), rr.store());
    Written written = rr.store().update(rr.namespace(), rr.name(), current -> body.deepCopy(),
        WriteParams.options(rr.http()), rr.status(), rr.recordUpdate());
    return Output.object(rr, 200, written.object(), written.warnings());
  }
}
