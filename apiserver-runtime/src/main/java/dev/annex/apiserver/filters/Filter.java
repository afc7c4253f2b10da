package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;

/** A wrapper around the next handler: it may answer itself, change the request, or pass it on. */
@FunctionalInterface
public interface Filter {
  ApiResponse filter(ApiRequest request, Handler next);
}
