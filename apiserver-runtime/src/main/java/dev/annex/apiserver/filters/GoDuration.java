package dev.annex.apiserver.filters;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's {@code time.ParseDuration} for the units flags use: {@code 60s}, {@code 1m0s}, {@code 500ms}, {@code 1h}. */
public final class GoDuration {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {
  }

  public static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(text);
    long nanos = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double value = Double.parseDouble(m.group(1));
      long unit = switch (m.group(2)) {
        case "ns" -> 1L;
        case "us", "µs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos += (long) (value * unit);
      end = m.end();
    }
    if (end == 0 || end != text.length()) {
      throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
    }
    return Duration.ofNanos(nanos);
  }
}
