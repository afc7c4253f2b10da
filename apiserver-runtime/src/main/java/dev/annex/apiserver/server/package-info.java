/**
 * The Netty HTTPS server: TLS with ALPN (HTTP/2 with many concurrent streams, HTTP/1.1), the
 * request body limit, translation between Netty messages and the runtime's request and response
 * types, running the handler chain on worker threads, reloading the serving certificate, the flags,
 * and the top-level routing of paths to health, discovery, OpenAPI and resource handlers. It must
 * not contain API semantics (handlers, registry, discovery) nor decide who may do what (filters, auth).
 */
package dev.annex.apiserver.server;
