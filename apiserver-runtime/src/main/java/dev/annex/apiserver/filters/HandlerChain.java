package dev.annex.apiserver.filters;

import dev.annex.apiserver.http.Handler;

import java.io.Writer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Assembles the filters around the API handler, outermost first, like k8s
 * {@code DefaultBuildHandlerChain}; the order is the security story:
 * <ol>
 *   <li>request info: what the request is about, so every later filter can decide on it;</li>
 *   <li>panic recovery: whatever fails below is a Status, never a dropped connection;</li>
 *   <li>max in-flight: refused before any work (and before any review call) is spent on it;</li>
 *   <li>timeout: everything below runs on a worker thread and has {@code --request-timeout}; the
 *       filters above run on Netty's event loop, so they must never wait;</li>
 *   <li>audit: wraps authentication so refused credentials are audited too (DESIGN.md puts it after
 *       authentication; k8s audits failed authentication separately, this is the same effect);</li>
 *   <li>authentication: front-proxy headers, client certificates, bearer tokens, then anonymous;</li>
 *   <li>impersonation: only an authenticated requestor can ask to act as someone else;</li>
 *   <li>authorization: last, on the user the request finally runs as.</li>
 * </ol>
 */
public final class HandlerChain {

  /** What the chain needs; {@code auditOut} may be null when auditing is off. */
  public record Config(List<Authenticator> authenticators, boolean anonymousAuth, Authorizer authorizer,
                       MaxInFlightFilter maxInFlight, Duration requestTimeout, Executor workers,
                       AuditFilter.Level auditLevel, Writer auditOut) {
  }

  private HandlerChain() {
  }

  public static Handler build(Handler apiHandler, Config config) {
    List<Filter> outermostFirst = new ArrayList<>();
    outermostFirst.add(new RequestInfoFilter());
    outermostFirst.add(new PanicRecoveryFilter());
    outermostFirst.add(config.maxInFlight());
    outermostFirst.add(new TimeoutFilter(config.requestTimeout(), config.workers()));
    if (config.auditOut() != null && config.auditLevel() != AuditFilter.Level.None) {
      outermostFirst.add(new AuditFilter(config.auditLevel(), config.auditOut(), Clock.systemUTC()));
    }
    outermostFirst.add(new AuthenticationFilter(config.authenticators(), config.anonymousAuth()));
    outermostFirst.add(new ImpersonationFilter(config.authorizer()));
    outermostFirst.add(new AuthorizationFilter(config.authorizer()));
    Handler handler = apiHandler;
    for (int i = outermostFirst.size() - 1; i >= 0; i--) {
      Filter filter = outermostFirst.get(i);
      Handler next = handler;
      handler = request -> filter.filter(request, next);
    }
    return handler;
  }
}
