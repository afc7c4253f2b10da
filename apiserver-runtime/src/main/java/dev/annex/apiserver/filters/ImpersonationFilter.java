package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.UserInfo;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code Impersonate-User}, {@code -Group}, {@code -Uid} and {@code Impersonate-Extra-<key>}, as
 * kube-apiserver's impersonation filter reads them: each requested identity is checked with the
 * authorizer for the {@code impersonate} verb (users, serviceaccounts, groups, uids, userextras),
 * the first refusal is a 403, and on success the request runs as the impersonated user while the
 * audit log keeps the real one.
 */
public final class ImpersonationFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(ImpersonationFilter.class);
  private static final String USER = "impersonate-user";
  private static final String GROUP = "impersonate-group";
  private static final String UID = "impersonate-uid";
  private static final String EXTRA_PREFIX = "impersonate-extra-";
  private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  private final Authorizer authorizer;

  public ImpersonationFilter(Authorizer authorizer) {
    this.authorizer = authorizer;
  }

  /** One identity asked for, and the attributes the requestor needs to be allowed to ask for it. */
  private record Requested(String resource, String apiGroup, String namespace, String name, String subresource,
                           String describe) {
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    List<Requested> requested = requested(request);
    if (requested.isEmpty()) {
      return next.handle(request);
    }
    UserInfo requestor = request.user();
    boolean groupsSpecified = !request.headerValues(GROUP).isEmpty();
    String username = "";
    List<String> groups = new ArrayList<>();
    Map<String, List<String>> extra = new LinkedHashMap<>();
    String uid = "";
    for (Requested r : requested) {
      switch (r.resource()) {
        case "serviceaccounts" -> {
          username = SERVICE_ACCOUNT_PREFIX + r.namespace() + ":" + r.name();
          if (!groupsSpecified) {
            groups.addAll(List.of("system:serviceaccounts", "system:serviceaccounts:" + r.namespace()));
          }
        }
        case "users" -> username = r.name();
        case "groups" -> groups.add(r.name());
        case "userextras" -> extra.computeIfAbsent(r.subresource(), k -> new ArrayList<>()).add(r.name());
        case "uids" -> uid = r.name();
        default -> throw new IllegalStateException("unknown impersonation kind " + r.resource());
      }
      Authorizer.Attributes actingAs = new Authorizer.Attributes(requestor, "impersonate", true, request.path(),
          r.apiGroup(), r.apiGroup().isEmpty() ? "" : "v1", r.namespace(), r.resource(), r.subresource(), r.name());
      Authorizer.Decision decision;
      try {
        decision = authorizer.authorize(actingAs);
      } catch (Authorizer.AuthorizationException e) {
        decision = Authorizer.Decision.noOpinion(e.getMessage());
      }
      if (!decision.allowed()) {
        LOG.debug("Forbidden impersonation of {} by {}: {}", r.describe(), requestor, decision.reason());
        throw AuthorizationFilter.forbidden(actingAs, decision.reason());
      }
    }
    if (!username.equals(UserInfo.ANONYMOUS_NAME)) {
      if (!groups.contains(UserInfo.AUTHENTICATED) && !groups.contains(UserInfo.UNAUTHENTICATED)) {
        groups.add(UserInfo.AUTHENTICATED);
      }
    } else if (!groups.contains(UserInfo.UNAUTHENTICATED)) {
      groups.add(UserInfo.UNAUTHENTICATED);
    }
    UserInfo impersonated = new UserInfo(username, uid, groups, extra);
    LOG.debug("{} is impersonating {}", requestor, impersonated);
    request.impersonatedBy(requestor);
    request.user(impersonated);
    for (String header : request.headerNames()) {
      if (header.equals(USER) || header.equals(GROUP) || header.equals(UID) || header.startsWith(EXTRA_PREFIX)) {
        request.removeHeader(header);
      }
    }
    return next.handle(request);
  }

  /** buildImpersonationRequests: groups, extras or a uid without a user is a 400. */
  private static List<Requested> requested(ApiRequest request) {
    List<Requested> out = new ArrayList<>();
    String user = first(request.headerValues(USER));
    boolean hasUser = !user.isEmpty();
    if (hasUser) {
      String[] sa = serviceAccount(user);
      out.add(sa != null
          ? new Requested("serviceaccounts", "", sa[0], sa[1], "", "ServiceAccount " + user)
          : new Requested("users", "", "", user, "", "User " + user));
    }
    List<String> describe = new ArrayList<>();
    for (String group : request.headerValues(GROUP)) {
      out.add(new Requested("groups", "", "", group, "", "Group " + group));
      describe.add("Group " + group);
    }
    for (String header : request.headerNames().stream().sorted().toList()) {
      if (header.startsWith(EXTRA_PREFIX)) {
        String key = URLDecoder.decode(header.substring(EXTRA_PREFIX.length()).toLowerCase(Locale.ROOT),
            StandardCharsets.UTF_8);
        for (String value : request.headerValues(header)) {
          out.add(new Requested("userextras", "authentication.k8s.io", "", value, key, "UserExtra " + key + "=" + value));
          describe.add("UserExtra " + key + "=" + value);
        }
      }
    }
    String uid = first(request.headerValues(UID));
    if (!uid.isEmpty()) {
      out.add(new Requested("uids", "authentication.k8s.io", "", uid, "", "UID " + uid));
      describe.add("UID " + uid);
    }
    if (!describe.isEmpty() && !hasUser) {
      throw StatusException.badRequest("requested " + describe + " without impersonating a user");
    }
    return out;
  }

  private static String first(List<String> values) {
    return values.isEmpty() ? "" : values.get(0);
  }

  /** {@code system:serviceaccount:<ns>:<name>} split into namespace and name, or null. */
  private static String[] serviceAccount(String user) {
    if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) {
      return null;
    }
    String[] parts = user.substring(SERVICE_ACCOUNT_PREFIX.length()).split(":", -1);
    return parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty() ? parts : null;
  }
}
