/**
 * The Annex operator: {@link dev.annex.operator.AggregatedApiReconciler} (the workflow of owned
 * objects, validation first, status last), {@link dev.annex.operator.AnnexOperator} (one wiring for
 * production and tests) and {@link dev.annex.operator.Main}. Subpackages own the model, the owned
 * objects, certificates, registration, status and validation; this package only orders them.
 */
package dev.annex.operator;
