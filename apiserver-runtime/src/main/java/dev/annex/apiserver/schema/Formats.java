package dev.annex.apiserver.schema;

import java.net.InetAddress;
import java.net.URI;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The string formats apiextensions validates (kube-openapi's {@code strfmt.Default}, restricted to
 * the formats a CRD may use); any other format is stripped by kube-apiserver and so never checked.
 * Names are normalised as go-openapi does: {@code date-time} is {@code datetime}.
 */
final class Formats {

  private static final Set<String> SUPPORTED = Set.of("bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6",
      "cidr", "mac", "uuid", "uuid3", "uuid4", "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor",
      "rgbcolor", "byte", "password", "date", "duration", "datetime", "k8sshortname", "k8slongname");

  private static final Pattern TIME = Pattern.compile("^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$");
  private static final Pattern UUID = Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
  private static final Pattern UUID3 = Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
  private static final Pattern UUID4 = Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
  private static final Pattern UUID5 = Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
  private static final Pattern HOSTNAME = Pattern.compile("^([a-zA-Z0-9\\p{S}\\p{L}]((-?[a-zA-Z0-9\\p{S}\\p{L}]{0,62})?)|"
      + "([a-zA-Z0-9\\p{S}\\p{L}](([a-zA-Z0-9-\\p{S}\\p{L}]{0,61}[a-zA-Z0-9\\p{S}\\p{L}])?)(\\.)){1,}([a-zA-Z\\p{L}]){2,63})$");
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s<>]+@[^@\\s<>]+$");
  private static final Pattern MAC = Pattern.compile(
      "^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{4}\\.){2}[0-9A-Fa-f]{4}$");
  private static final Pattern HEXCOLOR = Pattern.compile("^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
  private static final Pattern RGBCOLOR = Pattern.compile(
      "^rgb\\(\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*\\)$");
  private static final Pattern SSN = Pattern.compile("^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$");
  private static final Pattern BSON = Pattern.compile("^[0-9a-fA-F]{24}$");
  private static final Pattern DURATION = Pattern.compile(
      "^(([+-]?\\d+(\\.\\d*)?|[+-]?\\.\\d+)(ns|us|µs|ms|s|m|h))+$|^[0-9]+\\s*(ns|us|ms|s|m|h|d|w|"
          + "nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)$");
  private static final Pattern SHORT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern IPV4 = Pattern.compile("^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$");

  private Formats() {
  }

  static String normalise(String format) {
    return format.replace("-", "").toLowerCase(Locale.ROOT);
  }

  static boolean supported(String format) {
    return SUPPORTED.contains(normalise(format));
  }

  static boolean valid(String format, String s) {
    return switch (normalise(format)) {
      case "datetime" -> isDateTime(s);
      case "date" -> isDate(s);
      case "uuid" -> UUID.matcher(s).matches();
      case "uuid3" -> UUID3.matcher(s).matches();
      case "uuid4" -> UUID4.matcher(s).matches();
      case "uuid5" -> UUID5.matcher(s).matches();
      case "hostname" -> s.length() <= 255 && HOSTNAME.matcher(s).matches();
      case "email" -> EMAIL.matcher(s).matches();
      case "ipv4" -> IPV4.matcher(s).matches();
      case "ipv6" -> s.contains(":") && isIp(s);
      case "cidr" -> isCidr(s);
      case "mac" -> MAC.matcher(s).matches();
      case "hexcolor" -> HEXCOLOR.matcher(s).matches();
      case "rgbcolor" -> RGBCOLOR.matcher(s).matches();
      case "ssn" -> SSN.matcher(s).matches();
      case "bsonobjectid" -> BSON.matcher(s).matches();
      case "byte" -> isBase64(s);
      case "duration" -> DURATION.matcher(s).matches();
      case "uri" -> isUri(s);
      case "k8sshortname" -> s.length() <= 63 && SHORT_NAME.matcher(s).matches();
      case "k8slongname" -> isLongName(s);
      case "isbn", "isbn10", "isbn13", "creditcard", "password" -> true;
      default -> true;
    };
  }

  /** strfmt's IsDateTime: an RFC 3339 full-date, a {@code T}, and a time with zone. */
  static boolean isDateTime(String s) {
    if (s.length() < 4) {
      return false;
    }
    String[] parts = s.toLowerCase(Locale.ROOT).split("t", -1);
    if (parts.length < 2 || !isDate(parts[0])) {
      return false;
    }
    var m = TIME.matcher(parts[1]);
    if (!m.matches()) {
      return false;
    }
    return m.group(1).compareTo("23") <= 0 && m.group(2).compareTo("59") <= 0 && m.group(3).compareTo("59") <= 0;
  }

  static boolean isDate(String s) {
    if (!s.matches("^\\d{4}-\\d{2}-\\d{2}$")) {
      return false;
    }
    try {
      LocalDate.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static boolean isIp(String s) {
    if (!s.matches("^[0-9a-fA-F:.]+$")) {
      return false;
    }
    try {
      InetAddress.getByName(s);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean isCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String ip = s.substring(0, slash);
    String bits = s.substring(slash + 1);
    if (!bits.matches("^\\d{1,3}$")) {
      return false;
    }
    int n = Integer.parseInt(bits);
    boolean v4 = IPV4.matcher(ip).matches();
    return v4 ? n <= 32 : ip.contains(":") && isIp(ip) && n <= 128;
  }

  private static boolean isBase64(String s) {
    try {
      Base64.getDecoder().decode(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isUri(String s) {
    try {
      URI uri = new URI(s);
      return uri.isAbsolute() || s.startsWith("/");
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean isLongName(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (String segment : s.split("\\.", -1)) {
      if (!SHORT_NAME.matcher(segment).matches()) {
        return false;
      }
    }
    return true;
  }
}
