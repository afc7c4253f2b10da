package dev.annex.apiserver.auth;

import dev.annex.apiserver.filters.Authenticator;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.UserInfo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The front proxy's user: on a connection whose client certificate chains to the request-header CA
 * and whose CN is among the allowed names, the user is {@code X-Remote-User}, groups
 * {@code X-Remote-Group}, extra {@code X-Remote-Extra-*} (names from the configuration), as k8s
 * {@code headerrequest} behind its x509 {@code Verifier}. The headers are removed once read.
 * <p>
 * A certificate that does not verify, or a CN not allowed, is refused (the next authenticator may
 * still know the certificate, as in k8s's union). One step stricter than k8s: headers asserting a
 * user on a connection without any client certificate are refused too (401), where k8s would
 * ignore them and go on as anonymous; a forged user never gets as far as authorization.
 */
public final class RequestHeaderAuthenticator implements Authenticator {

  private final Supplier<Optional<RequestHeaderConfig>> config;

  public RequestHeaderAuthenticator(Supplier<Optional<RequestHeaderConfig>> config) {
    this.config = config;
  }

  @Override
  public Optional<UserInfo> authenticate(ApiRequest request) {
    Optional<RequestHeaderConfig> current = config.get();
    if (current.isEmpty() || current.get().ca().isEmpty()) {
      return Optional.empty();
    }
    RequestHeaderConfig c = current.get();
    String name = first(request, c.usernameHeaders());
    List<X509Certificate> chain = request.peerCertificates();
    if (chain.isEmpty()) {
      if (!name.isEmpty()) {
        throw new AuthenticationException("request headers name a user but the connection has no front-proxy "
            + "client certificate");
      }
      return Optional.empty();
    }
    try {
      c.ca().verifyClient(chain);
    } catch (CertificateException e) {
      throw new AuthenticationException("front-proxy verification: " + e.getMessage(), e);
    }
    String cn = ClientCertificateAuthenticator.Subject.of(chain.get(0)).commonName();
    if (!c.allowedNames().isEmpty() && !c.allowedNames().contains(cn)) {
      throw new AuthenticationException("x509: subject with cn=" + cn + " is not in the allowed list");
    }
    if (name.isEmpty()) {
      return Optional.empty();
    }
    List<String> groups = new ArrayList<>();
    for (String header : c.groupHeaders()) {
      request.headerValues(header).stream().filter(v -> !v.isEmpty()).forEach(groups::add);
    }
    Map<String, List<String>> extra = new LinkedHashMap<>();
    for (String prefix : c.extraHeaderPrefixes()) {
      String p = prefix.toLowerCase(Locale.ROOT);
      for (String header : request.headerNames()) {
        if (header.startsWith(p)) {
          String key = URLDecoder.decode(header.substring(p.length()), StandardCharsets.UTF_8);
          extra.computeIfAbsent(key, k -> new ArrayList<>()).addAll(request.headerValues(header));
        }
      }
    }
    clear(request, c);
    return Optional.of(new UserInfo(name, "", groups, extra));
  }

  private static String first(ApiRequest request, List<String> headers) {
    for (String header : headers) {
      for (String value : request.headerValues(header)) {
        if (!value.isEmpty()) {
          return value;
        }
      }
    }
    return "";
  }

  private static void clear(ApiRequest request, RequestHeaderConfig c) {
    c.usernameHeaders().forEach(request::removeHeader);
    c.groupHeaders().forEach(request::removeHeader);
    for (String prefix : c.extraHeaderPrefixes()) {
      String p = prefix.toLowerCase(Locale.ROOT);
      request.headerNames().stream().filter(h -> h.startsWith(p)).forEach(request::removeHeader);
    }
  }
}
