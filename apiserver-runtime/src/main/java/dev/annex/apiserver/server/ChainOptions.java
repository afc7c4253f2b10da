package dev.annex.apiserver.server;

import dev.annex.apiserver.auth.DelegatingAuthorizer;
import dev.annex.apiserver.auth.RequestHeaderConfig;
import dev.annex.apiserver.filters.AuditFilter;
import dev.annex.apiserver.filters.GoDuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The handler chain's flags, named and defaulted as k8s.io/apiserver's delegating authentication
 * and authorization options, its max-in-flight and timeout options, and an audit level (a policy
 * file in k8s; one level here).
 */
public record ChainOptions(Path authenticationKubeconfig, Path authorizationKubeconfig, Duration tokenCacheTtl,
                           boolean skipLookup, boolean tolerateLookupFailure, boolean anonymousAuth,
                           Path requestHeaderClientCaFile, List<String> requestHeaderAllowedNames,
                           List<String> requestHeaderUsernameHeaders, List<String> requestHeaderGroupHeaders,
                           List<String> requestHeaderExtraHeadersPrefix, Duration authorizedTtl,
                           Duration unauthorizedTtl, List<String> alwaysAllowPaths, Duration reviewTimeout,
                           int maxRequestsInFlight, int maxMutatingRequestsInFlight, Duration requestTimeout,
                           Path auditLogPath, AuditFilter.Level auditLevel) {

  /** Flag, value placeholder ({@code bool} flags may stand alone), description; appended to ServerOptions.FLAGS. */
  static final List<String[]> FLAGS = List.of(
      new String[] {"--authentication-kubeconfig", "string", "kubeconfig file pointing at the 'core' kubernetes server "
          + "with enough rights to create tokenreviews.authentication.k8s.io. In-cluster config when empty."},
      new String[] {"--authentication-token-webhook-cache-ttl", "duration", "The duration to cache responses from "
          + "the webhook token authenticator. (default 10s)"},
      new String[] {"--authentication-skip-lookup", "bool", "If false, the authentication-kubeconfig will be used to "
          + "lookup missing authentication configuration from the cluster."},
      new String[] {"--authentication-tolerate-lookup-failure", "bool", "If true, failures to look up missing "
          + "authentication configuration from the cluster are not considered fatal."},
      new String[] {"--anonymous-auth", "bool", "Enables anonymous requests to the secure port of the API server. "
          + "Requests that are not rejected by another authentication method are treated as anonymous requests. "
          + "(default true)"},
      new String[] {"--requestheader-client-ca-file", "string", "Root certificate bundle to use to verify client "
          + "certificates on incoming requests before trusting usernames in headers specified by "
          + "--requestheader-username-headers. Read from the extension-apiserver-authentication ConfigMap when empty."},
      new String[] {"--requestheader-allowed-names", "strings", "List of client certificate common names to allow to "
          + "provide usernames in headers specified by --requestheader-username-headers. If empty, any client "
          + "certificate validated by the authorities in --requestheader-client-ca-file is allowed."},
      new String[] {"--requestheader-username-headers", "strings", "List of request headers to inspect for "
          + "usernames. (default [x-remote-user])"},
      new String[] {"--requestheader-group-headers", "strings", "List of request headers to inspect for groups. "
          + "(default [x-remote-group])"},
      new String[] {"--requestheader-extra-headers-prefix", "strings", "List of request header prefixes to inspect. "
          + "(default [x-remote-extra-])"},
      new String[] {"--authorization-kubeconfig", "string", "kubeconfig file pointing at the 'core' kubernetes server "
          + "with enough rights to create subjectaccessreviews.authorization.k8s.io. In-cluster config when empty."},
      new String[] {"--authorization-webhook-cache-authorized-ttl", "duration", "The duration to cache 'authorized' "
          + "responses from the webhook authorizer. (default 10s)"},
      new String[] {"--authorization-webhook-cache-unauthorized-ttl", "duration", "The duration to cache "
          + "'unauthorized' responses from the webhook authorizer. (default 10s)"},
      new String[] {"--authorization-always-allow-paths", "strings", "A list of HTTP paths to skip during "
          + "authorization, i.e. these are authorized without contacting the 'core' kubernetes server. "
          + "(default [/healthz,/readyz,/livez])"},
      new String[] {"--delegated-review-timeout", "duration", "How long a TokenReview or SubjectAccessReview may "
          + "take before the request fails. (default 10s)"},
      new String[] {"--max-requests-inflight", "int", "The maximum number of non-mutating requests in flight at a "
          + "given time; above it, 429. Zero for no limit. (default 400)"},
      new String[] {"--max-mutating-requests-inflight", "int", "The maximum number of mutating requests in flight at "
          + "a given time; above it, 429. Zero for no limit. (default 200)"},
      new String[] {"--request-timeout", "duration", "An optional field indicating the duration a handler must keep a "
          + "request open before timing it out (watches excepted). (default 1m0s)"},
      new String[] {"--audit-log-path", "string", "If set, all requests coming to the apiserver will be logged to "
          + "this file, one audit.k8s.io/v1 Event per line. '-' means standard out."},
      new String[] {"--audit-level", "string", "None, Metadata or Request: what the audit log records of each "
          + "request. (default Metadata)"});

  static ChainOptions from(Map<String, String> values) {
    String level = values.getOrDefault("--audit-level", "Metadata");
    AuditFilter.Level auditLevel;
    try {
      auditLevel = AuditFilter.Level.valueOf(level);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--audit-level: unsupported level \"" + level + "\" (None, Metadata, Request)");
    }
    ChainOptions options = new ChainOptions(
        path(values, "--authentication-kubeconfig"),
        path(values, "--authorization-kubeconfig"),
        duration(values, "--authentication-token-webhook-cache-ttl", "10s"),
        bool(values, "--authentication-skip-lookup", false),
        bool(values, "--authentication-tolerate-lookup-failure", false),
        bool(values, "--anonymous-auth", true),
        path(values, "--requestheader-client-ca-file"),
        strings(values, "--requestheader-allowed-names", List.of()),
        strings(values, "--requestheader-username-headers", RequestHeaderConfig.DEFAULT_USERNAME_HEADERS),
        strings(values, "--requestheader-group-headers", RequestHeaderConfig.DEFAULT_GROUP_HEADERS),
        strings(values, "--requestheader-extra-headers-prefix", RequestHeaderConfig.DEFAULT_EXTRA_HEADER_PREFIXES),
        duration(values, "--authorization-webhook-cache-authorized-ttl", "10s"),
        duration(values, "--authorization-webhook-cache-unauthorized-ttl", "10s"),
        strings(values, "--authorization-always-allow-paths", DelegatingAuthorizer.DEFAULT_ALWAYS_ALLOW_PATHS),
        duration(values, "--delegated-review-timeout", "10s"),
        integer(values, "--max-requests-inflight", 400),
        integer(values, "--max-mutating-requests-inflight", 200),
        duration(values, "--request-timeout", "1m0s"),
        path(values, "--audit-log-path"),
        auditLevel);
    if (options.maxRequestsInFlight < 0 || options.maxMutatingRequestsInFlight < 0) {
      throw new IllegalArgumentException("--max-requests-inflight and --max-mutating-requests-inflight cannot be negative");
    }
    return options;
  }

  static boolean isBool(String flag) {
    return FLAGS.stream().anyMatch(f -> f[0].equals(flag) && f[1].equals("bool"));
  }

  private static Path path(Map<String, String> values, String name) {
    String v = values.get(name);
    return v == null || v.isEmpty() ? null : Path.of(v);
  }

  static Duration duration(Map<String, String> values, String name, String fallback) {
    String v = values.getOrDefault(name, fallback);
    try {
      return GoDuration.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid argument \"" + v + "\" for \"" + name + "\" flag: " + e.getMessage());
    }
  }

  private static boolean bool(Map<String, String> values, String name, boolean fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    return switch (v) {
      case "true", "1", "t", "T", "TRUE", "True" -> true;
      case "false", "0", "f", "F", "FALSE", "False" -> false;
      default -> throw new IllegalArgumentException("invalid argument \"" + v + "\" for \"" + name
          + "\" flag: strconv.ParseBool: parsing \"" + v + "\": invalid syntax");
    };
  }

  private static int integer(Map<String, String> values, String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid argument \"" + v + "\" for \"" + name + "\" flag: not an integer");
    }
  }

  /** pflag's string slices: comma separated; an empty value is an empty list. */
  private static List<String> strings(Map<String, String> values, String name, List<String> fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    return v.isEmpty() ? List.of() : Arrays.stream(v.split(",")).map(String::trim).toList();
  }
}
