/**
 * The one storage interface every backend implements: get, list at a consistent snapshot, create,
 * guaranteed update, delete and watch from a resourceVersion within a bounded history window.
 * It owns keys, resourceVersions and watch events; it must not know about HTTP, schemas or
 * Kubernetes metadata rules beyond {@code metadata.resourceVersion}, which the backend assigns.
 */
package dev.annex.apiserver.storage;
