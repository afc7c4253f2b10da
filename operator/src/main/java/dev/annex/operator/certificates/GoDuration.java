package dev.annex.operator.certificates;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Go duration strings ({@code 8760h}, {@code 1h30m}, {@code 90s}) as the spec uses them. */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {
  }

  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      BigDecimal unit = switch (m.group(2)) {
        case "ns" -> BigDecimal.ONE;
        case "us", "µs" -> BigDecimal.valueOf(1_000L);
        case "ms" -> BigDecimal.valueOf(1_000_000L);
        case "s" -> BigDecimal.valueOf(1_000_000_000L);
        case "m" -> BigDecimal.valueOf(60_000_000_000L);
        default -> BigDecimal.valueOf(3_600_000_000_000L);
      };
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unit));
      end = m.end();
    }
    if (end != text.length()) {
      throw new IllegalArgumentException("not a Go duration: '" + text + "'");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }
}
