package dev.annex.apiserver.http;

import java.util.List;

/** Who made a request, as an authenticator decided: name and groups, as in k8s {@code user.Info}. */
public record UserInfo(String name, List<String> groups) {

  public static final UserInfo ANONYMOUS = new UserInfo("system:anonymous", List.of("system:unauthenticated"));

  public UserInfo {
    groups = List.copyOf(groups);
  }
}
