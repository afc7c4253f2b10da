/**
 * The structural schema engine of a resource, as k8s.io/apiextensions-apiserver applies a CRD
 * version's schema: it checks that a schema is structural, prunes unknown fields, applies defaults
 * and validates objects, and words every error exactly as kube-apiserver does ({@link
 * dev.annex.apiserver.schema.FieldError}). It must not know HTTP, storage or object metadata rules
 * (the root's metadata is the server's); {@code x-kubernetes-validations} (CEL) is not evaluated, so
 * a schema carrying it is refused rather than served with rules silently ignored.
 */
package dev.annex.apiserver.schema;
