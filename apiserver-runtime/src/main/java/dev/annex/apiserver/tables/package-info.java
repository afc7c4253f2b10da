/**
 * {@code kubectl get} tables: the {@code meta.k8s.io/v1 Table} kube-apiserver makes of a CRD's
 * objects from its {@code additionalPrinterColumns}, with the JSONPath subset and cell rendering
 * upstream uses. It must not read requests or storage: the server hands it objects and the
 * {@code includeObject} choice, and sets the list metadata itself.
 */
package dev.annex.apiserver.tables;
