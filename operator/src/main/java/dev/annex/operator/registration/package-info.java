/**
 * The APIServices of an {@code AggregatedApi} and the checks of whether they work:
 * {@link dev.annex.operator.registration.DesiredApiServices} computes the set that should exist, the
 * {@link dev.annex.operator.registration.AutoRegistrationController} (a work queue and an informer,
 * like the kube-aggregator's autoregister controller) is the only code that writes APIServices, and
 * {@link dev.annex.operator.registration.DiscoveryProbe} is the operator's own discovery GET of the
 * backend. Never sets {@code insecureSkipTLSVerify}; never touches an APIService Annex did not create.
 */
package dev.annex.operator.registration;
