package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.UserInfo;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks the authenticators in turn (front-proxy headers, client certificate, bearer token); the first
 * that names a user wins, as k8s {@code unionauth} does, and that user is in
 * {@code system:authenticated}. When none does: a 401 if any of them refused credentials, the
 * anonymous user with {@code --anonymous-auth} (the default), a 401 without it. The
 * {@code Authorization} header is dropped once used, so no handler ever sees the token.
 */
public final class AuthenticationFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(AuthenticationFilter.class);

  private final List<Authenticator> authenticators;
  private final boolean anonymous;

  public AuthenticationFilter(List<Authenticator> authenticators, boolean anonymous) {
    this.authenticators = List.copyOf(authenticators);
    this.anonymous = anonymous;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    List<String> refusals = new ArrayList<>();
    for (Authenticator authenticator : authenticators) {
      Optional<UserInfo> user;
      try {
        user = authenticator.authenticate(request);
      } catch (Authenticator.AuthenticationException e) {
        refusals.add(e.getMessage());
        continue;
      }
      if (user.isPresent()) {
        request.user(authenticated(user.get()));
        request.removeHeader("authorization");
        return next.handle(request);
      }
    }
    if (!refusals.isEmpty()) {
      LOG.info("Unable to authenticate the request: {} {} from {}: {}", request.method(), request.path(),
          request.remoteAddress(), String.join("; ", refusals));
      throw StatusException.unauthorized();
    }
    if (!anonymous) {
      throw StatusException.unauthorized();
    }
    request.user(UserInfo.ANONYMOUS);
    return next.handle(request);
  }

  /** k8s {@code AuthenticatedGroupAdder}: every authenticated user is in system:authenticated. */
  private static UserInfo authenticated(UserInfo user) {
    if (user.name().equals(UserInfo.ANONYMOUS_NAME) || user.groups().contains(UserInfo.UNAUTHENTICATED)) {
      return user;
    }
    return user.withGroup(UserInfo.AUTHENTICATED);
  }
}
