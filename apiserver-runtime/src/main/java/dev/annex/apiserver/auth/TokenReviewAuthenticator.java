package dev.annex.apiserver.auth;

import dev.annex.apiserver.filters.Authenticator;
import dev.annex.apiserver.http.ApiRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * {@code Authorization: Bearer <token>} checked by a TokenReview against the kube-apiserver, as
 * k8s.io/apiserver's delegating authenticator does: answers cached by the token's SHA-256
 * ({@code --authentication-token-webhook-cache-ttl}, 10 s, for both authenticated and rejected
 * tokens), errors not cached, each review bounded by a timeout (10 s). A rejected token is a 401
 * ("invalid bearer token"), never anonymous.
 */
public final class TokenReviewAuthenticator implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(TokenReviewAuthenticator.class);

  /** A cached answer: the user, or the reason the token was refused. */
  private record Answer(dev.annex.apiserver.http.UserInfo user, String refusal) {
  }

  private final ReviewClient client;
  private final Duration cacheTtl;
  private final Duration timeout;
  private final ReviewCache<String, Answer> cache;

  public TokenReviewAuthenticator(ReviewClient client, Duration cacheTtl, Duration timeout) {
    this(client, cacheTtl, timeout, System::nanoTime);
  }

  TokenReviewAuthenticator(ReviewClient client, Duration cacheTtl, Duration timeout, LongSupplier nanoTime) {
    this.client = client;
    this.cacheTtl = cacheTtl;
    this.timeout = timeout;
    this.cache = new ReviewCache<>(4096, nanoTime);
  }

  @Override
  public Optional<dev.annex.apiserver.http.UserInfo> authenticate(ApiRequest request) {
    String header = request.header("authorization");
    if (header == null) {
      return Optional.empty();
    }
    String[] parts = header.trim().split("\\s+", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("bearer")) {
      return Optional.empty();
    }
    String token = parts[1].trim();
    if (token.isEmpty()) {
      throw new AuthenticationException("invalid bearer token");
    }
    String key = sha256(token);
    Answer answer = cache.get(key);
    if (answer == null) {
      answer = review(token);
      cache.put(key, answer, cacheTtl);
    }
    if (answer.user() == null) {
      throw new AuthenticationException(answer.refusal());
    }
    return Optional.of(answer.user());
  }

  private Answer review(String token) {
    TokenReview asked = new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build();
    TokenReview reviewed;
    try {
      reviewed = DelegatedClient.call(() -> client.create("/apis/authentication.k8s.io/v1/tokenreviews", asked,
          TokenReview.class, timeout), timeout);
    } catch (TimeoutException e) {
      throw new AuthenticationException("the TokenReview did not complete within " + timeout, e);
    } catch (ExecutionException e) {
      String why = DelegatedClient.describe(e.getCause());
      LOG.warn("TokenReview failed: {}", why);
      throw new AuthenticationException("the TokenReview failed: " + why, e.getCause());
    }
    if (reviewed.getStatus() == null || !Boolean.TRUE.equals(reviewed.getStatus().getAuthenticated())) {
      String error = reviewed.getStatus() == null ? null : reviewed.getStatus().getError();
      return new Answer(null, error == null || error.isEmpty() ? "invalid bearer token" : error);
    }
    io.fabric8.kubernetes.api.model.authentication.UserInfo u = reviewed.getStatus().getUser();
    Map<String, List<String>> extra = u.getExtra() == null ? Map.of() : u.getExtra();
    return new Answer(new dev.annex.apiserver.http.UserInfo(u.getUsername(), u.getUid(),
        u.getGroups() == null ? List.of() : u.getGroups(), extra), null);
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
