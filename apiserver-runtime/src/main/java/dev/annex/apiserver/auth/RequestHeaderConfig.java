package dev.annex.apiserver.auth;

import java.util.List;

/**
 * Who may assert a user in request headers, and in which headers: the front-proxy CA, the allowed
 * client certificate common names (empty: any certificate from the CA), and the header names
 * (k8s {@code RequestHeaderConfig}; defaults as k8s.io/apiserver's delegating options).
 */
public record RequestHeaderConfig(CaBundle ca, List<String> allowedNames, List<String> usernameHeaders,
                                  List<String> groupHeaders, List<String> extraHeaderPrefixes) {

  public static final List<String> DEFAULT_USERNAME_HEADERS = List.of("X-Remote-User");
  public static final List<String> DEFAULT_GROUP_HEADERS = List.of("X-Remote-Group");
  public static final List<String> DEFAULT_EXTRA_HEADER_PREFIXES = List.of("X-Remote-Extra-");

  public RequestHeaderConfig {
    allowedNames = List.copyOf(allowedNames);
    usernameHeaders = List.copyOf(usernameHeaders);
    groupHeaders = List.copyOf(groupHeaders);
    extraHeaderPrefixes = List.copyOf(extraHeaderPrefixes);
  }
}
