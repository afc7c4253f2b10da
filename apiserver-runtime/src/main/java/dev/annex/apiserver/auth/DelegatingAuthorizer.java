package dev.annex.apiserver.auth;

import dev.annex.apiserver.filters.Authorizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The authorizer of a delegating aggregated API server, in k8s.io/apiserver's order: members of
 * the always-allowed groups ({@code system:masters}) without a review, the always-allowed paths
 * ({@code /healthz}, {@code /livez}, {@code /readyz}; a trailing {@code *} is a prefix) for
 * non-resource requests, then the SubjectAccessReview. The first allow or deny wins; otherwise the
 * reasons of those with no opinion are joined, as k8s's union authorizer does.
 */
public final class DelegatingAuthorizer implements Authorizer {

  public static final List<String> DEFAULT_ALWAYS_ALLOW_PATHS = List.of("/healthz", "/readyz", "/livez");
  public static final List<String> DEFAULT_ALWAYS_ALLOW_GROUPS = List.of("system:masters");

  private final List<String> alwaysAllowGroups;
  private final List<String> alwaysAllowPaths;
  private final Authorizer review;

  public DelegatingAuthorizer(List<String> alwaysAllowGroups, List<String> alwaysAllowPaths, Authorizer review) {
    this.alwaysAllowGroups = List.copyOf(alwaysAllowGroups);
    this.alwaysAllowPaths = alwaysAllowPaths.stream().map(p -> p.startsWith("/") ? p : "/" + p).toList();
    this.review = review;
  }

  @Override
  public Decision authorize(Attributes attributes) {
    for (String group : attributes.user().groups()) {
      if (alwaysAllowGroups.contains(group)) {
        return Decision.allow("");
      }
    }
    if (!attributes.resourceRequest() && pathAllowed(attributes.path())) {
      return Decision.allow("");
    }
    List<String> reasons = new ArrayList<>();
    Decision decision = review.authorize(attributes);
    if (decision.kind() != Decision.Kind.NO_OPINION) {
      return decision;
    }
    if (!decision.reason().isEmpty()) {
      reasons.add(decision.reason());
    }
    return Decision.noOpinion(String.join("\n", reasons));
  }

  private boolean pathAllowed(String path) {
    for (String allowed : alwaysAllowPaths) {
      if (allowed.endsWith("*") ? path.startsWith(allowed.substring(0, allowed.length() - 1)) : path.equals(allowed)) {
        return true;
      }
    }
    return false;
  }
}
