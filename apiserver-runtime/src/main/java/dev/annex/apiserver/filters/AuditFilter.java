package dev.annex.apiserver.filters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.RequestInfo;
import dev.annex.apiserver.http.UserInfo;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Writer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One {@code audit.k8s.io/v1} Event per request, one JSON line each, at stage ResponseComplete:
 * user (and impersonated user), verb, URI, object reference, response code, and the latency as
 * the {@code apiserver.latency.k8s.io/total} annotation. Level {@code Metadata} by default;
 * {@code Request} adds the request body; {@code None} writes nothing. It wraps authentication, so
 * refused credentials (401) are audited too, as k8s {@code WithFailedAuthenticationAudit} does.
 */
public final class AuditFilter implements Filter {

  public enum Level { None, Metadata, Request }

  private static final Logger LOG = LoggerFactory.getLogger(AuditFilter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private final Level level;
  private final Writer out;
  private final Clock clock;

  public AuditFilter(Level level, Writer out, Clock clock) {
    this.level = level;
    this.out = out;
    this.clock = clock;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    if (level == Level.None) {
      return next.handle(request);
    }
    Instant received = clock.instant();
    long start = System.nanoTime();
    int code = 500;
    try {
      ApiResponse response = next.handle(request);
      code = response.status();
      return response;
    } catch (StatusException e) {
      code = e.code();
      throw e;
    } finally {
      write(event(request, code, received, System.nanoTime() - start));
    }
  }

  private ObjectNode event(ApiRequest request, int code, Instant received, long nanos) {
    ObjectNode e = JSON.createObjectNode();
    e.put("kind", "Event").put("apiVersion", "audit.k8s.io/v1").put("level", level.name())
        .put("auditID", UUID.randomUUID().toString()).put("stage", "ResponseComplete")
        .put("requestURI", uri(request));
    RequestInfo info = request.requestInfo();
    e.put("verb", info == null ? request.method().toLowerCase(Locale.ROOT) : info.verb());
    UserInfo requestor = request.impersonatedBy() != null ? request.impersonatedBy() : request.user();
    e.set("user", user(requestor));
    if (request.impersonatedBy() != null) {
      e.set("impersonatedUser", user(request.user()));
    }
    e.putArray("sourceIPs").add(request.remoteAddress());
    String agent = request.header("user-agent");
    if (agent != null) {
      e.put("userAgent", agent);
    }
    if (info != null && info.resourceRequest()) {
      ObjectNode ref = e.putObject("objectRef");
      ref.put("resource", info.resource());
      if (!info.namespace().isEmpty()) {
        ref.put("namespace", info.namespace());
      }
      if (!info.name().isEmpty()) {
        ref.put("name", info.name());
      }
      ref.put("apiGroup", info.apiGroup()).put("apiVersion", info.apiVersion());
      if (!info.subresource().isEmpty()) {
        ref.put("subresource", info.subresource());
      }
    }
    ObjectNode status = e.putObject("responseStatus");
    status.putObject("metadata");
    status.put("code", code);
    if (level == Level.Request && request.body().length > 0) {
      try {
        JsonNode body = JSON.readTree(request.body());
        e.set("requestObject", body);
      } catch (IOException notJson) {
        // YAML or binary bodies are not recorded: the audit Event only carries JSON objects
      }
    }
    e.put("requestReceivedTimestamp", MICROS.format(received));
    e.put("stageTimestamp", MICROS.format(received.plusNanos(nanos)));
    e.putObject("annotations").put("apiserver.latency.k8s.io/total", latency(nanos));
    return e;
  }

  private static ObjectNode user(UserInfo user) {
    ObjectNode u = JSON.createObjectNode();
    u.put("username", user.name());
    if (!user.uid().isEmpty()) {
      u.put("uid", user.uid());
    }
    ArrayNode groups = u.putArray("groups");
    user.groups().forEach(groups::add);
    if (!user.extra().isEmpty()) {
      ObjectNode extra = u.putObject("extra");
      user.extra().forEach((k, v) -> {
        ArrayNode values = extra.putArray(k);
        v.forEach(values::add);
      });
    }
    return u;
  }

  /** The path and query as sent (the query re-encoded from its decoded form). */
  private static String uri(ApiRequest request) {
    StringBuilder b = new StringBuilder(request.path());
    Map<String, List<String>> query = request.query();
    char sep = '?';
    for (Map.Entry<String, List<String>> p : query.entrySet()) {
      for (String v : p.getValue()) {
        b.append(sep).append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8)).append('=')
            .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        sep = '&';
      }
    }
    return b.toString();
  }

  /** Go's Duration.String for latencies: {@code 1.234567ms}, {@code 2.5s}. */
  static String latency(long nanos) {
    if (nanos < 1_000) {
      return nanos + "ns";
    }
    if (nanos < 1_000_000) {
      return trim(nanos / 1e3) + "µs";
    }
    if (nanos < 1_000_000_000) {
      return trim(nanos / 1e6) + "ms";
    }
    return trim(nanos / 1e9) + "s";
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.6f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  private void write(ObjectNode event) {
    try {
      String line = JSON.writeValueAsString(event) + "\n";
      synchronized (out) {
        out.write(line);
        out.flush();
      }
    } catch (IOException e) {
      LOG.error("cannot write the audit log: {}", e.getMessage()); // the request itself has been served
    }
  }
}
