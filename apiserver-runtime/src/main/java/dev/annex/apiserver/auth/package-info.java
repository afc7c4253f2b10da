/**
 * Delegated authentication and authorization, as k8s.io/apiserver does it for an aggregated API
 * server: front-proxy request headers and client certificates verified against CAs (from flags or
 * the {@code kube-system/extension-apiserver-authentication} ConfigMap, reloaded when they change),
 * bearer tokens by TokenReview and decisions by SubjectAccessReview against the kube-apiserver,
 * each with its cache and timeout, posted by a small HTTP/1.1 client on kept-alive connections
 * ({@code ReviewClient}). It answers "who" and "may they"; it must not answer requests.
 */
package dev.annex.apiserver.auth;
