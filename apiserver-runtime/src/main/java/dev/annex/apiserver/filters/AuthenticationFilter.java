package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.UserInfo;

/**
 * Sets the request's user from the authenticator, or leaves it anonymous (as kube-apiserver does
 * with anonymous auth on); whether anonymous may do anything is the authorizer's decision.
 */
public final class AuthenticationFilter implements Filter {

  private final Authenticator authenticator;

  public AuthenticationFilter(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    request.user(authenticator.authenticate(request).orElse(UserInfo.ANONYMOUS));
    return next.handle(request);
  }
}
