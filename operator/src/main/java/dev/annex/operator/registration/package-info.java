/**
 * The APIServices of an {@code AggregatedApi}: {@link dev.annex.operator.registration.DesiredApiServices}
 * computes the set that should exist (the one place a later auto-registration controller will take
 * it from) and {@link dev.annex.operator.registration.ApiServiceRegistration} makes the cluster match
 * it. Never sets {@code insecureSkipTLSVerify}; never touches APIServices Annex does not own.
 */
package dev.annex.operator.registration;
