package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.Written;

/** POST to a collection: 201 Created with the stored object (or the would-be object, for a dry run). */
final class CreateHandler {

  private CreateHandler() {
  }

  static ApiResponse create(ResourceRequest rr) {
    ObjectNode object = Bodies.object(rr.http(), rr.store());
    Written written = rr.store().create(rr.namespace(), object, WriteParams.options(rr.http()), rr.recordUpdate());
    return Output.object(rr, 201, written.object(), written.warnings());
  }
}
