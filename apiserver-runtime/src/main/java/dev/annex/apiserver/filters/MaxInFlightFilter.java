package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.RequestInfo;
import dev.annex.apiserver.status.StatusException;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code --max-requests-inflight} (read-only, default 400) and {@code --max-mutating-requests-inflight}
 * (default 200), as k8s {@code WithMaxInFlightLimit}: a request over its limit is answered at once
 * with 429 TooManyRequests and {@code Retry-After: 1}; watches are not counted. A limit of 0 is no limit.
 */
public final class MaxInFlightFilter implements Filter {

  /** maxinflight.go's retryAfter. */
  static final int RETRY_AFTER_SECONDS = 1;

  private final Semaphore readOnly;
  private final Semaphore mutating;
  private final AtomicInteger readOnlyInFlight = new AtomicInteger();
  private final AtomicInteger mutatingInFlight = new AtomicInteger();

  public MaxInFlightFilter(int readOnlyLimit, int mutatingLimit) {
    this.readOnly = readOnlyLimit > 0 ? new Semaphore(readOnlyLimit) : null;
    this.mutating = mutatingLimit > 0 ? new Semaphore(mutatingLimit) : null;
  }

  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    RequestInfo info = request.requestInfo();
    if (LongRunning.is(info)) {
      return next.handle(request);
    }
    boolean reading = LongRunning.readOnly(info);
    Semaphore limit = reading ? readOnly : mutating;
    if (limit != null && !limit.tryAcquire()) {
      return tooManyRequests();
    }
    AtomicInteger counted = reading ? readOnlyInFlight : mutatingInFlight;
    counted.incrementAndGet();
    Runnable release = () -> {
      counted.decrementAndGet();
      if (limit != null) {
        limit.release();
      }
    };
    ApiResponse response;
    try {
      response = next.handle(request);
    } catch (RuntimeException | Error e) {
      release.run();
      throw e;
    }
    if (response instanceof ApiResponse.Deferred deferred) {
      // in flight until the worker answers (or the timeout filter answers for it)
      return new ApiResponse.Deferred(deferred.response().whenComplete((done, failure) -> release.run()));
    }
    release.run();
    return response;
  }

  /** The 429 kube-apiserver answers, as a Status (apimachinery's NewTooManyRequests) with its message. */
  public static ApiResponse tooManyRequests() {
    ApiResponse.Full response = ApiResponse.error(StatusException.tooManyRequests(
        "Too many requests, please try again later.", RETRY_AFTER_SECONDS));
    response.headers().put("retry-after", String.valueOf(RETRY_AFTER_SECONDS));
    return response;
  }

  /** Requests being served now, for {@code apiserver_current_inflight_requests}. */
  public int inFlight(boolean mutatingKind) {
    return (mutatingKind ? mutatingInFlight : readOnlyInFlight).get();
  }
}
