package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.status.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code --request-timeout} (default 60 s) for everything but watches, as k8s {@code WithTimeoutForNonLongRunningRequests}:
 * the rest of the chain runs on its own thread; when it has not answered in time the client gets
 * 504 {@code Timeout: request did not complete within the allotted timeout}. The late work is left
 * to finish and its answer dropped, as k8s does: interrupting it could stop a storage write half
 * way. A shorter {@code ?timeout=} in the URL wins.
 */
public final class TimeoutFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(TimeoutFilter.class);

  private final Duration timeout;
  private final ExecutorService executor;

  public TimeoutFilter(Duration timeout, ExecutorService executor) {
    this.timeout = timeout;
    this.executor = executor;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    if (LongRunning.is(request.requestInfo()) || timeout.isZero()) {
      return next.handle(request);
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
    Future<ApiResponse> work = executor.submit(() -> next.handle(request));
    try {
      return work.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      work.cancel(false);
      LOG.info("{} {} did not complete within {}", request.method(), request.path(), limit);
      throw StatusException.timeout("request did not complete within the allotted timeout");
    } catch (InterruptedException e) {
      work.cancel(true);
      Thread.currentThread().interrupt();
      throw StatusException.timeout("request did not complete within the allotted timeout");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
