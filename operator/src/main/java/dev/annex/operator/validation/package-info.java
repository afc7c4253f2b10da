/**
 * Checks of an {@code AggregatedApi} spec that the CRD schema cannot express (duplicates across list
 * items, structural schemas, groups taken by Kubernetes or by another {@code AggregatedApi}). Each
 * finding is a reason and a message that says what to fix. Pure: no client calls, no side effects.
 */
package dev.annex.operator.validation;
