/**
 * Kubernetes {@code Status} errors: the code, reason, message and causes a client reads when a
 * request fails. It owns the error vocabulary (NotFound, Conflict, Invalid, ...) and its JSON
 * shape; it must not decide when an error happens, which is the caller's business.
 */
package dev.annex.apiserver.status;
