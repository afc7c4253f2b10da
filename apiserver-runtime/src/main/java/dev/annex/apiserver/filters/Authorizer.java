package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;

import java.util.Optional;

/** Decides whether the request's user may do what its RequestInfo says; a reason when denied. */
@FunctionalInterface
public interface Authorizer {

  Optional<String> deny(ApiRequest request);

  /** {@code --authorization-mode=AlwaysAllow}: everything, for local use without a cluster. */
  static Authorizer alwaysAllow() {
    return request -> Optional.empty();
  }

  /**
   * The default until delegated authorization (SubjectAccessReview) lands: health, version,
   * discovery and OpenAPI stay readable so the aggregator can probe; resources are refused.
   */
  static Authorizer nonResourceOnly() {
    return request -> request.requestInfo().resourceRequest()
        ? Optional.of("no authorizer allows resource requests; start with --authorization-mode=AlwaysAllow")
        : Optional.empty();
  }
}
