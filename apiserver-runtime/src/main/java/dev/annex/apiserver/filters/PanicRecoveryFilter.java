package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;

/**
 * Turns a {@link StatusException} into its Status and any other failure into a 500 InternalError,
 * logged with the request, so one bad request never takes a connection or the server down; for a
 * deferred response, when it completes.
 */
public final class PanicRecoveryFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(PanicRecoveryFilter.class);

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    try {
      ApiResponse response = next.handle(request);
      if (response instanceof ApiResponse.Deferred deferred) {
        return new ApiResponse.Deferred(deferred.response().handle((done, failure) ->
            failure == null ? done : recover(request, failure instanceof CompletionException c && c.getCause() != null
                ? c.getCause() : failure)));
      }
      return response;
    } catch (RuntimeException e) {
      return recover(request, e);
    }
  }

  private static ApiResponse recover(ApiRequest request, Throwable failure) {
    if (failure instanceof StatusException e) {
      return ApiResponse.error(e);
    }
    LOG.error("{} {} failed", request.method(), request.path(), failure);
    return ApiResponse.error(StatusException.internal(String.valueOf(failure.getMessage())));
  }
}
