/**
 * The {@code AggregatedApi} status: conditions in the metav1.Condition shape (a transition time moves
 * only when the status does) and the Events the operator records. Computes and records; never
 * creates or changes owned objects.
 */
package dev.annex.operator.status;
