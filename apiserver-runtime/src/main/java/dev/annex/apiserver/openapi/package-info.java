/**
 * The {@code /openapi/v2} and {@code /openapi/v3} documents of the served group, built from the
 * resources' schemas as kube-apiserver builds them for CRDs, so {@code kubectl explain} and
 * client-side validation work, with their hashes for ETags. It must not serve HTTP (the server does)
 * nor validate objects (the schema package does).
 */
package dev.annex.apiserver.openapi;
