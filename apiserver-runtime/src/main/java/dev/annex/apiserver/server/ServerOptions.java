package dev.annex.apiserver.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime's flags, named as in {@code k8s.io/apiserver} where one exists. Parsing accepts
 * {@code --flag=value} and {@code --flag value}; an unknown flag is an error, as with pflag.
 */
public record ServerOptions(int securePort, String bindAddress, Path tlsCertFile, Path tlsPrivateKeyFile, Path certDir,
                            Path clientCaFile, String authorizationMode, Path apiDefinition, long maxRequestBodyBytes,
                            int http2MaxStreams, int watchHistory, Duration shutdownDelay, boolean help,
                            ChainOptions chain, StorageFlags storage) {

  public static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 3L * 1024 * 1024;

  /** Flag, value placeholder, description: the {@code --help} text and the parser share it. */
  static final List<String[]> FLAGS = java.util.stream.Stream.concat(java.util.stream.Stream.of(
      new String[] {"--secure-port", "int", "The port on which to serve HTTPS with authentication and authorization. "
          + "0 picks a free port and logs it. (default 8443)"},
      new String[] {"--bind-address", "ip", "The IP address on which to listen for the --secure-port port. (default 0.0.0.0)"},
      new String[] {"--tls-cert-file", "string", "File containing the default x509 certificate for HTTPS (CA cert, if "
          + "any, concatenated after server cert). If absent, a self-signed certificate is generated into --cert-dir."},
      new String[] {"--tls-private-key-file", "string", "File containing the default x509 private key matching "
          + "--tls-cert-file."},
      new String[] {"--cert-dir", "string", "The directory where the self-signed TLS certs are written (default "
          + "\"apiserver.local.config/certificates\")."},
      new String[] {"--client-ca-file", "string", "If set, any request presenting a client certificate signed by one "
          + "of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName "
          + "of the client certificate (groups from its Organization)."},
      new String[] {"--authorization-mode", "string", "Delegated (the default): TokenReview and SubjectAccessReview "
          + "against the kube-apiserver of --authentication-kubeconfig/--authorization-kubeconfig or the pod's service "
          + "account. AlwaysAllow: allow every request, no cluster needed (local use only; logged as a warning)."},
      new String[] {"--api-definition", "string", "The AggregatedApi YAML (or JSON) file describing the API group to "
          + "serve. Required."},
      new String[] {"--max-request-body-bytes", "int", "Request bodies larger than this are refused with 413. "
          + "(default 3145728)"},
      new String[] {"--http2-max-streams-per-connection", "int", "The limit of concurrent HTTP/2 streams per "
          + "connection. (default 2000)"},
      new String[] {"--watch-history-size", "int", "How many changes the memory storage (or the watch cache in front "
          + "of etcd) keeps for watches and exact lists; older resourceVersions are 410 Gone. (default 10000)"},
      new String[] {"--shutdown-delay-duration", "duration", "Time to delay the termination. During that time the "
          + "server keeps serving requests normally. The endpoints /healthz and /livez will return success, but /readyz "
          + "immediately returns failure. Graceful termination starts after this delay has elapsed. This can be used to "
          + "allow load balancer to stop sending traffic to this server. (default 0s)"},
      new String[] {"--storage-backend", "string", "The storage backend for persistence. Options: 'memory' (one "
          + "replica, lost on restart), 'etcd3'. (default \"memory\")"},
      new String[] {"--etcd-servers", "strings", "List of etcd servers to connect with (scheme://ip:port), comma "
          + "separated. Required with --storage-backend=etcd3."},
      new String[] {"--etcd-prefix", "string", "The prefix to prepend to all resource paths in etcd. (default "
          + "\"/registry/<group>\")"},
      new String[] {"--etcd-cafile", "string", "SSL Certificate Authority file used to secure etcd communication."},
      new String[] {"--etcd-certfile", "string", "SSL certification file used to secure etcd communication."},
      new String[] {"--etcd-keyfile", "string", "SSL key file used to secure etcd communication."},
      new String[] {"--etcd-compaction-interval", "duration", "The interval of compaction requests. If 0, the "
          + "compaction request from apiserver is disabled. (default 5m0s)"},
      new String[] {"-h, --help", "", "Print this help and exit."}), ChainOptions.FLAGS.stream()).toList();

  public static ServerOptions parse(String... args) {
    Map<String, String> values = new LinkedHashMap<>();
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        help = true;
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
      }
      String name;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (ChainOptions.isBool(arg)) {
        name = arg; // pflag: a bool flag alone means true
        value = "true";
      } else {
        name = arg;
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("flag needs an argument: " + name);
        }
        value = args[++i];
      }
      if (FLAGS.stream().noneMatch(f -> f[0].equals(name))) {
        throw new IllegalArgumentException("unknown flag: " + name);
      }
      values.put(name, value);
    }
    String mode = values.getOrDefault("--authorization-mode", "");
    if (!mode.isEmpty() && !mode.equals("AlwaysAllow") && !mode.equals("Delegated")) {
      throw new IllegalArgumentException("--authorization-mode: unsupported mode \"" + mode
          + "\" (supported: Delegated, AlwaysAllow)");
    }
    ServerOptions options = new ServerOptions(
        integer(values, "--secure-port", 8443),
        values.getOrDefault("--bind-address", "0.0.0.0"),
        path(values, "--tls-cert-file"),
        path(values, "--tls-private-key-file"),
        Path.of(values.getOrDefault("--cert-dir", "apiserver.local.config/certificates")),
        path(values, "--client-ca-file"),
        mode,
        path(values, "--api-definition"),
        integer(values, "--max-request-body-bytes", (int) DEFAULT_MAX_REQUEST_BODY_BYTES),
        integer(values, "--http2-max-streams-per-connection", 2000),
        integer(values, "--watch-history-size", 10_000),
        ChainOptions.duration(values, "--shutdown-delay-duration", "0s"),
        help,
        ChainOptions.from(values),
        StorageFlags.from(values));
    if (!help) {
      options.check();
    }
    return options;
  }

  private void check() {
    if (apiDefinition == null) {
      throw new IllegalArgumentException("--api-definition is required");
    }
    if ((tlsCertFile == null) != (tlsPrivateKeyFile == null)) {
      throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file must be given together");
    }
    if (securePort < 0 || securePort > 65535) {
      throw new IllegalArgumentException("--secure-port must be between 0 and 65535, got " + securePort);
    }
    storage.check();
    if (http2MaxStreams < 1000) {
      throw new IllegalArgumentException("--http2-max-streams-per-connection must be at least 1000: the aggregator "
          + "multiplexes every user's requests over few connections");
    }
  }

  public boolean alwaysAllow() {
    return authorizationMode.equals("AlwaysAllow");
  }

  public static String usage() {
    List<String> lines = new ArrayList<>();
    lines.add("Usage: java -jar annex-apiserver.jar --api-definition FILE [flags]");
    lines.add("");
    lines.add("Serves the API group an AggregatedApi describes, over HTTPS (HTTP/1.1 and HTTP/2).");
    lines.add("");
    lines.add("Flags:");
    for (String[] f : FLAGS) {
      lines.add(String.format("  %-40s %s", f[0] + (f[1].isEmpty() ? "" : " " + f[1]), f[2]));
    }
    return String.join("\n", lines) + "\n";
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

  private static Path path(Map<String, String> values, String name) {
    String v = values.get(name);
    return v == null || v.isEmpty() ? null : Path.of(v);
  }
}
