package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.RequestInfo;
import dev.annex.apiserver.http.UserInfo;

/**
 * Decides whether a user may do what the attributes say, as k8s {@code authorizer.Authorizer}:
 * allow, deny, or no opinion, with a reason. A failure to decide (the kube-apiserver unreachable)
 * is an {@link AuthorizationException}, never an allow.
 */
@FunctionalInterface
public interface Authorizer {

  Decision authorize(Attributes attributes);

  /** {@code --authorization-mode=AlwaysAllow}: everything, for local use without a cluster. */
  static Authorizer alwaysAllow() {
    return attributes -> Decision.allow("");
  }

  /** What a request asks to do, in SubjectAccessReview terms. */
  record Attributes(UserInfo user, String verb, boolean resourceRequest, String path, String apiGroup,
                    String apiVersion, String namespace, String resource, String subresource, String name) {

    public static Attributes of(ApiRequest request) {
      RequestInfo info = request.requestInfo();
      return new Attributes(request.user(), info.verb(), info.resourceRequest(), info.path(), info.apiGroup(),
          info.apiVersion(), info.namespace(), info.resource(), info.subresource(), info.name());
    }

    /** The same request made by someone else (the impersonation checks ask as the requestor). */
    public Attributes as(UserInfo other) {
      return new Attributes(other, verb, resourceRequest, path, apiGroup, apiVersion, namespace, resource,
          subresource, name);
    }

    /**
     * kube-apiserver's {@code forbiddenMessage}: {@code User "u" cannot list resource "flunders" in API group
     * "g" in the namespace "ns"} (or {@code at the cluster scope}, or {@code cannot get path "/x"}).
     */
    public String forbiddenMessage() {
      if (!resourceRequest) {
        return "User \"" + user.name() + "\" cannot " + verb + " path \"" + path + "\"";
      }
      String r = subresource.isEmpty() ? resource : resource + "/" + subresource;
      String head = "User \"" + user.name() + "\" cannot " + verb + " resource \"" + r + "\" in API group \""
          + apiGroup + "\"";
      return namespace.isEmpty() ? head + " at the cluster scope" : head + " in the namespace \"" + namespace + "\"";
    }
  }

  record Decision(Kind kind, String reason) {
    public enum Kind { ALLOW, DENY, NO_OPINION }

    public static Decision allow(String reason) {
      return new Decision(Kind.ALLOW, reason);
    }

    public static Decision deny(String reason) {
      return new Decision(Kind.DENY, reason);
    }

    public static Decision noOpinion(String reason) {
      return new Decision(Kind.NO_OPINION, reason);
    }

    public boolean allowed() {
      return kind == Kind.ALLOW;
    }
  }

  /** The authorizer could not decide; the request fails with 500 rather than being allowed or denied. */
  final class AuthorizationException extends RuntimeException {
    public AuthorizationException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
