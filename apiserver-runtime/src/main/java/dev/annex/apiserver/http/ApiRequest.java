package dev.annex.apiserver.http;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One decoded request. The body is complete (bodies are aggregated up to the size limit before any
 * filter runs); {@code requestInfo} and {@code user} are filled in by the filters.
 */
public final class ApiRequest {

  private final String method;
  private final String path;
  private final Map<String, List<String>> query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final List<X509Certificate> peerCertificates;
  private final String remoteAddress;
  private volatile RequestInfo requestInfo;
  private volatile UserInfo user = UserInfo.ANONYMOUS;
  private volatile UserInfo impersonatedBy;

  /** {@code headers}: every value of each header, by lower-case name; the filters may remove some. */
  public ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers,
                    byte[] body, List<X509Certificate> peerCertificates, String remoteAddress) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = new ConcurrentHashMap<>();
    headers.forEach((k, v) -> this.headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
    this.body = body;
    this.peerCertificates = peerCertificates;
    this.remoteAddress = remoteAddress;
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

  /** Every query parameter, decoded. */
  public Map<String, List<String>> query() {
    return query;
  }

  public List<String> params(String name) {
    return query.getOrDefault(name, List.of());
  }

  public boolean flag(String name) {
    String v = param(name);
    return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
  }

  /** A header by its name in any case (repeated headers joined by ", "), or {@code null}. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : String.join(", ", values);
  }

  /** Every value of a header, one per occurrence, as Go's {@code http.Header} keeps them. */
  public List<String> headerValues(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** The lower-case names of all headers present. */
  public Set<String> headerNames() {
    return Set.copyOf(headers.keySet());
  }

  /** Drops a header, so that credentials and identity headers never reach the handlers once used. */
  public void removeHeader(String name) {
    headers.remove(name.toLowerCase(Locale.ROOT));
  }

  /** The client's IP address as the connection shows it. */
  public String remoteAddress() {
    return remoteAddress;
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

  /** The authenticated user when {@link #user()} is someone they impersonate; otherwise {@code null}. */
  public UserInfo impersonatedBy() {
    return impersonatedBy;
  }

  public void impersonatedBy(UserInfo requestor) {
    this.impersonatedBy = requestor;
  }
}
