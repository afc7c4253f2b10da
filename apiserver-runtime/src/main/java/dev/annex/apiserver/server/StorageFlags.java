package dev.annex.apiserver.server;

import dev.annex.apiserver.storage.etcd.EtcdConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The storage flags, as kube-apiserver names them: {@code --storage-backend} ({@code memory}, the
 * embedded default, or {@code etcd3}), {@code --etcd-servers}, {@code --etcd-prefix} (default
 * {@code /registry/<group>}), {@code --etcd-cafile}/{@code --etcd-certfile}/{@code --etcd-keyfile}
 * and {@code --etcd-compaction-interval}.
 */
public record StorageFlags(String backend, List<String> etcdServers, String etcdPrefix, Path etcdCaFile,
                           Path etcdCertFile, Path etcdKeyFile, Duration compactionInterval) {

  public static final String MEMORY = "memory";
  public static final String ETCD3 = "etcd3";
  private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s)");

  static StorageFlags from(Map<String, String> values) {
    String servers = values.getOrDefault("--etcd-servers", "");
    return new StorageFlags(values.getOrDefault("--storage-backend", MEMORY),
        servers.isBlank() ? List.of() : Arrays.stream(servers.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
        values.get("--etcd-prefix"),
        path(values.get("--etcd-cafile")), path(values.get("--etcd-certfile")), path(values.get("--etcd-keyfile")),
        duration("--etcd-compaction-interval", values.getOrDefault("--etcd-compaction-interval", "5m0s")));
  }

  void check() {
    if (!backend.equals(MEMORY) && !backend.equals(ETCD3)) {
      throw new IllegalArgumentException("--storage-backend: unsupported backend \"" + backend
          + "\" (supported: memory, etcd3)");
    }
    if (backend.equals(ETCD3) && etcdServers.isEmpty()) {
      throw new IllegalArgumentException("--etcd-servers must be specified with --storage-backend=etcd3");
    }
    if ((etcdCertFile == null) != (etcdKeyFile == null)) {
      throw new IllegalArgumentException("--etcd-certfile and --etcd-keyfile must be given together");
    }
  }

  public boolean etcd() {
    return backend.equals(ETCD3);
  }

  /** How to reach etcd; the prefix defaults to kube-apiserver's {@code /registry} plus the group. */
  public EtcdConfig etcdConfig(String group) {
    String prefix = etcdPrefix == null || etcdPrefix.isBlank() ? "/registry/" + group : etcdPrefix;
    return new EtcdConfig(etcdServers, prefix, etcdCaFile, etcdCertFile, etcdKeyFile, compactionInterval,
        EtcdConfig.DEFAULT_REQUEST_TIMEOUT);
  }

  /** A Go duration as pflag reads it ({@code 5m0s}, {@code 90s}, {@code 1h}, {@code 0}). */
  static Duration duration(String flag, String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = GO_DURATION.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      double n = Double.parseDouble(m.group(1));
      long millis = switch (m.group(2)) {
        case "h" -> (long) (n * 3_600_000);
        case "m" -> (long) (n * 60_000);
        case "s" -> (long) (n * 1000);
        default -> (long) n;
      };
      total = total.plusMillis(millis);
      end = m.end();
    }
    if (end == 0 || end != text.length()) {
      throw new IllegalArgumentException("invalid argument \"" + text + "\" for \"" + flag + "\" flag: time: invalid "
          + "duration \"" + text + "\"");
    }
    return total;
  }

  private static Path path(String v) {
    return v == null || v.isEmpty() ? null : Path.of(v);
  }
}
