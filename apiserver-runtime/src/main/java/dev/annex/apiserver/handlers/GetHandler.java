package dev.annex.apiserver.handlers;

import dev.annex.apiserver.http.ApiResponse;

import java.util.List;

/** GET of one object (and of its status subresource, which reads the whole object as kube does). */
final class GetHandler {

  private GetHandler() {
  }

  static ApiResponse get(ResourceRequest rr) {
    return Output.object(rr, 200, rr.store().get(rr.namespace(), rr.name()), List.of());
  }
}
