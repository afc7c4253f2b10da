package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.UserInfo;

import java.util.Optional;

/**
 * Finds who made a request: the user, or empty when the request carries nothing this authenticator
 * reads. Credentials it reads but cannot accept (a certificate from an unknown CA, a token the
 * kube-apiserver rejects) are an {@link AuthenticationException}: the request is then a 401, never
 * anonymous, as with k8s {@code unionauth.NewFailOnError}.
 */
@FunctionalInterface
public interface Authenticator {

  Optional<UserInfo> authenticate(ApiRequest request);

  /** Credentials were presented and refused, or could not be checked. */
  final class AuthenticationException extends RuntimeException {
    public AuthenticationException(String message) {
      super(message);
    }

    public AuthenticationException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
