package dev.annex.apiserver.http;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * One decoded request. The body is complete (bodies are aggregated up to the size limit before any
 * filter runs); {@code requestInfo} and {@code user} are filled in by the filters.
 */
public final class ApiRequest {

  private final String method;
  private final String path;
  private final Map<String, List<String>> query;
  private final Map<String, String> headers;
  private final byte[] body;
  private final List<X509Certificate> peerCertificates;
  private RequestInfo requestInfo;
  private UserInfo user = UserInfo.ANONYMOUS;

  /** {@code headers} keys are lower case. */
  public ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
                    byte[] body, List<X509Certificate> peerCertificates) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.peerCertificates = peerCertificates;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  /** The first value of a query parameter, or {@code null}. */
  public String param(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  public List<String> params(String name) {
    return query.getOrDefault(name, List.of());
  }

  public boolean flag(String name) {
    String v = param(name);
    return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
  }

  /** A header by its name in any case, or {@code null}. */
  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  public byte[] body() {
    return body;
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  public List<X509Certificate> peerCertificates() {
    return peerCertificates;
  }

  public RequestInfo requestInfo() {
    return requestInfo;
  }

  public void requestInfo(RequestInfo info) {
    this.requestInfo = info;
  }

  public UserInfo user() {
    return user;
  }

  public void user(UserInfo user) {
    this.user = user;
  }
}
