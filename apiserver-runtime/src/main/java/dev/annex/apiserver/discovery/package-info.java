/**
 * Discovery: {@code /apis}, {@code /apis/<group>}, {@code /apis/<group>/<version>}, the aggregated
 * discovery document (apidiscovery.k8s.io v2 and v2beta1, with ETag and 304) and {@code /version}.
 * It derives every document from the API definition once at start; it must not read storage.
 */
package dev.annex.apiserver.discovery;
