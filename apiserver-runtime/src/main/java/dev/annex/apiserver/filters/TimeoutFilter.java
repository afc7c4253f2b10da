package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the chain leaves Netty's event loop: the rest of it (authentication and authorization may
 * wait for a review) runs on a worker thread, and this filter answers at once with a
 * {@link ApiResponse.Deferred} that completes when the worker is done. Only one thread hand-off
 * per request, and back: each is a context switch, and on a small machine they were most of the
 * cost of a cached get.
 *
 * <p>{@code --request-timeout} (default 60 s) for everything but watches, as k8s
 * {@code WithTimeoutForNonLongRunningRequests}: when the worker has not answered in time the client
 * gets 504 {@code Timeout: request did not complete within the allotted timeout}. The late work is
 * left to finish and its answer dropped, as k8s does: interrupting it could stop a storage write
 * half way. A shorter {@code ?timeout=} in the URL wins.
 */
public final class TimeoutFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(TimeoutFilter.class);

  private final Duration timeout;
  private final Executor workers;

  public TimeoutFilter(Duration timeout, Executor workers) {
    this.timeout = timeout;
    this.workers = workers;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    Duration limit = limit(request);
    CompletableFuture<ApiResponse> work = CompletableFuture.supplyAsync(() -> next.handle(request), workers);
    if (limit == null) {
      return new ApiResponse.Deferred(work);
    }
    return new ApiResponse.Deferred(work.orTimeout(limit.toNanos(), TimeUnit.NANOSECONDS).handle((response, failure) -> {
      if (failure == null) {
        return response;
      }
      if (failure instanceof TimeoutException) {
        LOG.info("{} {} did not complete within {}", request.method(), request.path(), limit);
        return ApiResponse.error(StatusException.timeout("request did not complete within the allotted timeout"));
      }
      throw failure instanceof CompletionException c ? c : new CompletionException(failure);
    }));
  }

  /** The time this request has, or null for none (a watch, or --request-timeout=0). */
  private Duration limit(ApiRequest request) {
    if (LongRunning.is(request.requestInfo()) || timeout.isZero()) {
      return null;
    }
    Duration limit = timeout;
    String asked = request.param("timeout");
    if (asked != null && !asked.isEmpty()) {
      Duration d;
      try {
        d = GoDuration.parse(asked);
      } catch (IllegalArgumentException e) {
        throw StatusException.badRequest("invalid timeout specified in the request URL");
      }
      if (d.compareTo(limit) < 0 && !d.isNegative() && !d.isZero()) {
        limit = d;
      }
    }
    return limit;
  }
}
