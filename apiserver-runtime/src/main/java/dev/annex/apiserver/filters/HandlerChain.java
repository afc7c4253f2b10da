package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.Handler;

import java.util.List;

/**
 * Assembles the filters around the API handler, outermost first, like k8s
 * {@code DefaultBuildHandlerChain}. Later issues insert max-in-flight, timeout, delegated
 * authentication, audit and impersonation here, in the order DESIGN.md gives.
 */
public final class HandlerChain {

  private HandlerChain() {
  }

  public static Handler build(Handler apiHandler, Authenticator authenticator, Authorizer authorizer) {
    List<Filter> outermostFirst = List.of(
        new RequestInfoFilter(),
        new PanicRecoveryFilter(),
        new AuthenticationFilter(authenticator),
        new AuthorizationFilter(authorizer));
    Handler handler = apiHandler;
    for (int i = outermostFirst.size() - 1; i >= 0; i--) {
      Filter filter = outermostFirst.get(i);
      Handler next = handler;
      handler = request -> filter.filter(request, next);
    }
    return handler;
  }
}
