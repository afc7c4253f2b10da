package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link StatusException} into its Status and any other failure into a 500 InternalError,
 * logged with the request, so one bad request never takes a connection or the server down.
 */
public final class PanicRecoveryFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(PanicRecoveryFilter.class);

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    try {
      return next.handle(request);
    } catch (StatusException e) {
      return ApiResponse.error(e);
    } catch (RuntimeException e) {
      LOG.error("{} {} failed", request.method(), request.path(), e);
      return ApiResponse.error(StatusException.internal(String.valueOf(e.getMessage())));
    }
  }
}
