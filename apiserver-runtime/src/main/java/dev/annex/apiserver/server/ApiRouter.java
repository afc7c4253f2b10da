package dev.annex.apiserver.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.discovery.DiscoveryHandler;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The innermost handler: health, version, metrics, OpenAPI and discovery paths, then resource
 * requests; anything else is 404 with a NotFound Status (client-go tolerates that for {@code /api}).
 */
public final class ApiRouter implements Handler {

  private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);
  /** The named checks behind /healthz, /livez and /readyz that always pass while the server serves. */
  private static final List<String> CHECKS = List.of("ping", "log");

  private final DiscoveryHandler discovery;
  private final Handler openApi;
  private final Handler resources;
  private final RequestMetrics metrics;
  private final ObjectNode version;
  /**
   * Checks of what the server depends on (etcd), on /healthz and /readyz but not /livez, as
   * kube-apiserver's etcd-readiness: restarting the runtime does not bring etcd back.
   */
  private final List<HealthCheck> readyChecks;
  /** Checks on /readyz alone, after the others: kube-apiserver's "shutdown" is one. */
  private final List<HealthCheck> readyzOnlyChecks;

  public ApiRouter(DiscoveryHandler discovery, Handler openApi, Handler resources, RequestMetrics metrics,
                   ObjectNode version) {
    this(discovery, openApi, resources, metrics, version, List.of(), List.of());
  }

  public ApiRouter(DiscoveryHandler discovery, Handler openApi, Handler resources, RequestMetrics metrics,
                   ObjectNode version, List<HealthCheck> readyChecks, List<HealthCheck> readyzOnlyChecks) {
    this.readyChecks = List.copyOf(readyChecks);
    this.readyzOnlyChecks = List.copyOf(readyzOnlyChecks);
    this.discovery = discovery;
    this.openApi = openApi;
    this.resources = resources;
    this.metrics = metrics;
    this.version = version;
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    String path = request.path();
    if (request.requestInfo() != null && request.requestInfo().resourceRequest()) {
      return resources.handle(request);
    }
    if (path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")
        || path.startsWith("/healthz/") || path.startsWith("/livez/") || path.startsWith("/readyz/")) {
      return health(request);
    }
    if (path.equals("/version") || path.equals("/version/")) {
      return ApiResponse.json(200, version);
    }
    if (path.equals("/metrics")) {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("content-type", "text/plain; version=0.0.4; charset=utf-8");
      return new ApiResponse.Full(200, headers, metrics.prometheusText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    if (path.equals("/openapi/v2") || path.startsWith("/openapi/v3")) {
      return openApi.handle(request);
    }
    if (discovery.serves(path)) {
      return discovery.handle(request);
    }
    throw StatusException.pathNotFound();
  }

  /**
   * "ok", or with {@code ?verbose} every check and "<endpoint> check passed", as kube-apiserver writes
   * it. A failing check makes it 500 with the list ("reason withheld"; the reason is logged and shown
   * on {@code /readyz/<check>}).
   */
  private ApiResponse health(ApiRequest request) {
    String[] parts = request.path().substring(1).split("/");
    String endpoint = parts[0];
    List<HealthCheck> extra = switch (endpoint) {
      case "livez" -> List.of();
      case "readyz" -> Stream.concat(readyChecks.stream(), readyzOnlyChecks.stream()).toList();
      default -> readyChecks;
    };
    if (parts.length > 1) {
      if (CHECKS.contains(parts[1])) {
        return ApiResponse.text(200, "ok");
      }
      for (HealthCheck c : extra) {
        if (c.name().equals(parts[1])) {
          String failure = failure(c);
          return failure == null ? ApiResponse.text(200, "ok")
              : ApiResponse.text(500, "internal server error: " + failure + "\n");
        }
      }
      throw StatusException.pathNotFound();
    }
    StringBuilder out = new StringBuilder();
    CHECKS.forEach(c -> out.append("[+]").append(c).append(" ok\n"));
    boolean failed = false;
    for (HealthCheck c : extra) {
      String failure = failure(c);
      if (failure == null) {
        out.append("[+]").append(c.name()).append(" ok\n");
      } else {
        failed = true;
        LOG.info("{} check {} failed: {}", endpoint, c.name(), failure);
        out.append("[-]").append(c.name()).append(" failed: reason withheld\n");
      }
    }
    if (failed) {
      return ApiResponse.text(500, out.append(endpoint).append(" check failed\n").toString());
    }
    if (request.param("verbose") == null) {
      return ApiResponse.text(200, "ok");
    }
    out.append(endpoint).append(" check passed\n");
    return ApiResponse.text(200, out.toString());
  }

  /** Null when the check passes, else why not. */
  private static String failure(HealthCheck check) {
    try {
      check.check();
      return null;
    } catch (Exception e) {
      return String.valueOf(e.getMessage());
    }
  }

  /** The {@code /version} document: the runtime's own version in the shape of k8s {@code version.Info}. */
  public static ObjectNode versionInfo(String runtimeVersion) {
    String[] numbers = runtimeVersion.replaceFirst("^v", "").split("[.-]");
    return JsonNodeFactory.instance.objectNode()
        .put("major", numbers.length > 0 ? numbers[0] : "0")
        .put("minor", numbers.length > 1 ? numbers[1] : "0")
        .put("gitVersion", runtimeVersion.startsWith("v") ? runtimeVersion : "v" + runtimeVersion)
        .put("gitCommit", "")
        .put("gitTreeState", "")
        .put("buildDate", "")
        .put("goVersion", "java" + Runtime.version().feature())
        .put("compiler", "javac")
        .put("platform", System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT) + "/"
            + System.getProperty("os.arch"));
  }
}
