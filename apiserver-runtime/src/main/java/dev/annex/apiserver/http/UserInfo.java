package dev.annex.apiserver.http;

import java.util.List;
import java.util.Map;

/**
 * Who made a request, as an authenticator decided: name, uid, groups and extra, as in k8s
 * {@code user.Info}. The SubjectAccessReview for the request carries all four.
 */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {

  public static final String ANONYMOUS_NAME = "system:anonymous";
  public static final String UNAUTHENTICATED = "system:unauthenticated";
  public static final String AUTHENTICATED = "system:authenticated";
  public static final String MASTERS = "system:masters";

  public static final UserInfo ANONYMOUS = new UserInfo(ANONYMOUS_NAME, List.of(UNAUTHENTICATED));

  public UserInfo {
    uid = uid == null ? "" : uid;
    groups = List.copyOf(groups);
    extra = extra == null ? Map.of() : Map.copyOf(extra);
  }

  public UserInfo(String name, List<String> groups) {
    this(name, "", groups, Map.of());
  }

  /** The same user with {@code group} added unless it is there already. */
  public UserInfo withGroup(String group) {
    if (groups.contains(group)) {
      return this;
    }
    List<String> more = new java.util.ArrayList<>(groups);
    more.add(group);
    return new UserInfo(name, uid, more, extra);
  }

  /** {@code alice[group1,group2]}, as kube-apiserver's logs name a user. */
  @Override
  public String toString() {
    return (name.isEmpty() ? "<empty>" : name) + (groups.isEmpty() ? "" : "[" + String.join(",", groups) + "]");
  }
}
