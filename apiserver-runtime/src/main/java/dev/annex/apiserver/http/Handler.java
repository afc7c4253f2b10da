package dev.annex.apiserver.http;

/** Answers one request; filters wrap handlers, the router and the verb handlers are handlers. */
@FunctionalInterface
public interface Handler {
  ApiResponse handle(ApiRequest request);
}
