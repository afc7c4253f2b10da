package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.UserInfo;

import java.util.Optional;

/** Finds who made a request; empty when this authenticator has nothing to say about it. */
@FunctionalInterface
public interface Authenticator {
  Optional<UserInfo> authenticate(ApiRequest request);
}
