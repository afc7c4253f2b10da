package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the request only when the authorizer allows it; a denial or no opinion is a 403 Forbidden
 * whose message names user, verb and resource as kube-apiserver's does, and a failure to decide is
 * a 500 (the k8s filter answers {@code InternalError} too): never an allow.
 */
public final class AuthorizationFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationFilter.class);

  private final Authorizer authorizer;

  public AuthorizationFilter(Authorizer authorizer) {
    this.authorizer = authorizer;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    Authorizer.Attributes attributes = Authorizer.Attributes.of(request);
    Authorizer.Decision decision;
    try {
      decision = authorizer.authorize(attributes);
    } catch (Authorizer.AuthorizationException e) {
      LOG.warn("authorization of {} {} for {} failed: {}", request.method(), request.path(), request.user(),
          e.getMessage());
      throw StatusException.internal(e.getMessage());
    }
    if (decision.allowed()) {
      return next.handle(request);
    }
    LOG.debug("Forbidden {} {}: {}", request.method(), request.path(), decision.reason());
    throw forbidden(attributes, decision.reason());
  }

  /** responsewriters.ForbiddenStatusError: the message, then ": reason" when the authorizer gave one. */
  static StatusException forbidden(Authorizer.Attributes attributes, String reason) {
    String why = attributes.forbiddenMessage() + (reason == null || reason.isEmpty() ? "" : ": " + reason);
    return StatusException.forbidden(attributes.resource(), attributes.apiGroup(), attributes.name(), why);
  }
}
