/**
 * The {@code AggregatedApi} custom resource (group {@code annex.dev}, version {@code v1alpha1}): its
 * spec and status as plain Jackson classes, annotated so the CRD generator can say in the schema
 * everything a schema can say. No behaviour lives here beyond defaults; no client calls.
 */
package dev.annex.operator.api;
