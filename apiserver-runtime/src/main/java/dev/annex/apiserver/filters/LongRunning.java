package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.RequestInfo;

/** k8s {@code LongRunningRequestCheck}: watches stream for minutes, so neither limits nor timeouts count them. */
final class LongRunning {

  private LongRunning() {
  }

  static boolean is(RequestInfo info) {
    return info != null && info.verb().equals("watch");
  }

  /** get, list and watch read; everything else mutates (maxinflight.go's nonMutatingRequestVerbs). */
  static boolean readOnly(RequestInfo info) {
    return info.verb().equals("get") || info.verb().equals("list") || info.verb().equals("watch")
        || (!info.resourceRequest() && (info.verb().equals("get") || info.verb().equals("head")));
  }
}
