/**
 * The OLM bundle: the ClusterServiceVersion (its descriptive part hand-written once in
 * {@code olm/csv-base.yaml}, the rest taken from the install objects, the CRD and the examples) and
 * the bundle annotations. Writes nothing itself.
 */
package dev.annex.shipping.olm;
