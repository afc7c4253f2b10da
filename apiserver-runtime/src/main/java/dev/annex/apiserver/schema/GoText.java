package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Values printed the way Go prints them in kube-apiserver's messages: {@code %q} for strings,
 * {@code %v} for numbers and booleans, and {@code encoding/json} (sorted keys, HTML-safe) for the rest.
 * Upstream's texts are produced by those verbs, so matching them byte for byte needs the same rules.
 */
public final class GoText {

  private GoText() {
  }

  /** Go's {@code %q}/{@code strconv.Quote}: double quotes, backslash escapes, printable Unicode kept. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    s.codePoints().forEach(c -> {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        case 7 -> b.append("\\a");
        case 8 -> b.append("\\b");
        case 12 -> b.append("\\f");
        case 11 -> b.append("\\v");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", c));
          } else if (!Character.isDefined(c) || Character.getType(c) == Character.CONTROL
              || Character.getType(c) == Character.FORMAT) {
            b.append(c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
          } else {
            b.appendCodePoint(c);
          }
        }
      }
    });
    return b.append('"').toString();
  }

  /** Go's {@code %v} of a JSON number as the apiserver decodes it (int64 when whole, float64 otherwise). */
  public static String number(JsonNode n) {
    if (n.isIntegralNumber() && n.canConvertToLong()) {
      return Long.toString(n.asLong());
    }
    double d = n.asDouble();
    if (d == Math.rint(d) && Math.abs(d) < 9.2e18) {
      return Long.toString((long) d);
    }
    return goFloat(d);
  }

  /** {@code %v} of a float64 ({@code %g}, shortest): exponent form below 1e-4 and from 1e+06. */
  static String goFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exponent = shortest.precision() - shortest.scale() - 1;
    if (exponent < -4 || exponent >= 6) {
      String digits = shortest.unscaledValue().abs().toString();
      String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
          + String.format("%02d", Math.abs(exponent));
    }
    return shortest.toPlainString();
  }

  /** encoding/json's float64: plain decimals, exponent form (e-7, e+21) only below 1e-6 and from 1e21. */
  static String jsonFloat(double d) {
    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exponent = shortest.precision() - shortest.scale() - 1;
    if (exponent < -6 || exponent >= 21) {
      return goFloat(d).replace("e-0", "e-").replace("e+0", "e+");
    }
    return shortest.toPlainString();
  }

  /** Go's {@code json.Marshal} of a decoded JSON value: object keys sorted, {@code <>&} escaped. */
  public static String json(JsonNode n) {
    StringBuilder b = new StringBuilder();
    writeJson(n, b);
    return b.toString();
  }

  private static void writeJson(JsonNode n, StringBuilder b) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      b.append("null");
    } else if (n.isTextual()) {
      jsonString(n.asText(), b);
    } else if (n.isNumber()) {
      b.append(OpenApiValidator.isWhole(n) ? number(n) : jsonFloat(n.asDouble()));
    } else if (n.isBoolean()) {
      b.append(n.asBoolean());
    } else if (n.isArray()) {
      b.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        writeJson(n.get(i), b);
      }
      b.append(']');
    } else {
      List<String> keys = new ArrayList<>();
      n.fieldNames().forEachRemaining(keys::add);
      keys.sort(null);
      b.append('{');
      Iterator<String> it = keys.iterator();
      while (it.hasNext()) {
        String k = it.next();
        jsonString(k, b);
        b.append(':');
        writeJson(n.get(k), b);
        if (it.hasNext()) {
          b.append(',');
        }
      }
      b.append('}');
    }
  }

  private static void jsonString(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
