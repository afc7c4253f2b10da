package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.RequestInfo;
import dev.annex.apiserver.status.StatusException;

import java.util.Optional;

/** Refuses a denied request with 403 Forbidden in kube-apiserver's wording. */
public final class AuthorizationFilter implements Filter {

  private final Authorizer authorizer;

  public AuthorizationFilter(Authorizer authorizer) {
    this.authorizer = authorizer;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    Optional<String> denied = authorizer.deny(request);
    if (denied.isPresent()) {
      RequestInfo info = request.requestInfo();
      if (info.resourceRequest()) {
        throw StatusException.forbidden(request.user().name(), info.verb(), info.resource(), info.apiGroup(), denied.get());
      }
      throw new StatusException(403, "Forbidden", "forbidden: User \"" + request.user().name()
          + "\" cannot " + info.verb() + " path \"" + info.path() + "\": " + denied.get(), null);
    }
    return next.handle(request);
  }
}
