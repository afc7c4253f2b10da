package dev.annex.apiserver.auth;

import dev.annex.apiserver.filters.Authorizer;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpecBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Asks the kube-apiserver with a SubjectAccessReview whether the user may do what the attributes
 * say (k8s webhook authorizer behind {@code authorizerfactory.DelegatingAuthorizerConfig}): user,
 * uid, groups and extra; verb, group, version, resource, subresource, namespace and name, or path
 * and verb for a non-resource request. Answers cached by the whole question for 10 s when allowed
 * and 10 s when not ({@code --authorization-webhook-cache-authorized-ttl} / {@code -unauthorized-ttl});
 * a review that fails or takes longer than its timeout (10 s) is an error, not cached.
 */
public final class SubjectAccessReviewAuthorizer implements Authorizer {

  private static final Logger LOG = LoggerFactory.getLogger(SubjectAccessReviewAuthorizer.class);

  private final ReviewClient client;
  private final Duration allowTtl;
  private final Duration denyTtl;
  private final Duration timeout;
  private final ReviewCache<Attributes, Decision> cache;

  public SubjectAccessReviewAuthorizer(ReviewClient client, Duration allowTtl, Duration denyTtl, Duration timeout) {
    this(client, allowTtl, denyTtl, timeout, System::nanoTime);
  }

  SubjectAccessReviewAuthorizer(ReviewClient client, Duration allowTtl, Duration denyTtl, Duration timeout,
                                LongSupplier nanoTime) {
    this.client = client;
    this.allowTtl = allowTtl;
    this.denyTtl = denyTtl;
    this.timeout = timeout;
    this.cache = new ReviewCache<>(10_000, nanoTime);
  }

  @Override
  public Decision authorize(Attributes attributes) {
    Decision cached = cache.get(attributes);
    if (cached != null) {
      return cached;
    }
    SubjectAccessReview asked = new SubjectAccessReviewBuilder().withSpec(spec(attributes)).build();
    SubjectAccessReview reviewed;
    try {
      reviewed = DelegatedClient.call(() -> client.create("/apis/authorization.k8s.io/v1/subjectaccessreviews", asked,
          SubjectAccessReview.class, timeout), timeout);
    } catch (TimeoutException e) {
      throw new AuthorizationException("the SubjectAccessReview did not complete within " + timeout, e);
    } catch (ExecutionException e) {
      String why = DelegatedClient.describe(e.getCause());
      LOG.warn("SubjectAccessReview failed: {}", why);
      throw new AuthorizationException("the SubjectAccessReview failed: " + why, e.getCause());
    }
    SubjectAccessReviewStatus status = reviewed.getStatus();
    Decision decision;
    if (status == null) {
      decision = Decision.noOpinion("");
    } else {
      String reason = status.getReason() == null ? "" : status.getReason();
      if (Boolean.TRUE.equals(status.getAllowed())) {
        decision = Decision.allow(reason);
      } else if (Boolean.TRUE.equals(status.getDenied())) {
        decision = Decision.deny(reason);
      } else {
        decision = Decision.noOpinion(reason);
      }
    }
    cache.put(attributes, decision, decision.allowed() ? allowTtl : denyTtl);
    return decision;
  }

  private static io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewSpec spec(Attributes a) {
    SubjectAccessReviewSpecBuilder spec = new SubjectAccessReviewSpecBuilder()
        .withUser(a.user().name())
        .withGroups(a.user().groups())
        .withExtra(a.user().extra().isEmpty() ? null : a.user().extra());
    if (!a.user().uid().isEmpty()) {
      spec.withUid(a.user().uid());
    }
    if (a.resourceRequest()) {
      spec.withNewResourceAttributes()
          .withNamespace(a.namespace()).withVerb(a.verb()).withGroup(a.apiGroup()).withVersion(a.apiVersion())
          .withResource(a.resource()).withSubresource(a.subresource()).withName(a.name())
          .endResourceAttributes();
    } else {
      spec.withNewNonResourceAttributes().withPath(a.path()).withVerb(a.verb()).endNonResourceAttributes();
    }
    return spec.build();
  }
}
