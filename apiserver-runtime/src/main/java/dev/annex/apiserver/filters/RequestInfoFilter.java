package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.RequestInfo;

/** Works out what the request is about before anyone decides whether it may run. */
public final class RequestInfoFilter implements Filter {
  @Override
  public ApiResponse filter(ApiRequest request, Handler next) {
    request.requestInfo(RequestInfo.parse(request.method(), request.path(), request.flag("watch")));
    return next.handle(request);
  }
}
