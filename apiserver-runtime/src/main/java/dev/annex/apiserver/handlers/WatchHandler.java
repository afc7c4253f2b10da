package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.ResponseStream;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.status.StatusException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A watch, streamed as kube-apiserver frames it: one JSON object per event,
 * {@code {"type":"ADDED","object":{...}}}, newline separated. A too-old resourceVersion is not an HTTP
 * error but one ERROR event with a 410 Expired Status. {@code sendInitialEvents} sends the current
 * state and a bookmark annotated {@code k8s.io/initial-events-end}; bookmarks are sent every
 * minute when allowed; the stream ends after {@code timeoutSeconds} (default 30 to 60 minutes).
 * The server sends the same events as WebSocket messages when the client asked for an upgrade.
 */
final class WatchHandler {

  static final long BOOKMARK_INTERVAL_MILLIS = 60_000;
  private static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

  private WatchHandler() {
  }

  static ApiResponse watch(ResourceRequest rr) {
    ApiRequest request = rr.http();
    Output.Form form = Output.negotiate(request);
    boolean bookmarks = request.flag("allowWatchBookmarks");
    String rv = request.param("resourceVersion");
    boolean fromNow = rv != null && !rv.isEmpty() && !rv.equals("0");
    String sendInitial = request.param("sendInitialEvents");
    boolean initialEvents = sendInitial == null ? !fromNow : Boolean.parseBoolean(sendInitial);
    if (sendInitial != null && initialEvents && !"NotOlderThan".equals(request.param("resourceVersionMatch"))) {
      throw StatusException.badRequest("sendInitialEvents: Forbidden: sendInitialEvents is forbidden unless "
          + "resourceVersionMatch is \"NotOlderThan\"");
    }
    boolean endBookmark = sendInitial != null && initialEvents && bookmarks;
    long from = fromNow ? ResourceStore.parseResourceVersion(rv) : rr.store().currentResourceVersion();
    Predicate<ObjectNode> selector = Selectors.parse(request.param("labelSelector"), request.param("fieldSelector"));
    Predicate<ObjectNode> filter = selector == null ? o -> true : selector;
    if (!rr.name().isEmpty()) {
      Predicate<ObjectNode> byName = o -> o.path("metadata").path("name").asText().equals(rr.name());
      filter = filter.and(byName);
    }
    long timeoutMillis = timeoutMillis(request.param("timeoutSeconds"));
    WatchOptions options = new WatchOptions(from, initialEvents, filter);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", form == Output.Form.TABLE ? Output.TABLE_MEDIA_TYPE : "application/json");
    return new ApiResponse.Streaming(200, headers, stream -> run(rr, stream, options, form, bookmarks, endBookmark,
        timeoutMillis));
  }

  private static void run(ResourceRequest rr, ResponseStream stream, WatchOptions options, Output.Form form,
                          boolean bookmarks, boolean endBookmark, long timeoutMillis) {
    AtomicBoolean firstTable = new AtomicBoolean(true);
    WatchListener listener = new WatchListener() {
      @Override
      public void onEvent(WatchEvent event) {
        if (event.type() == WatchEvent.Type.BOOKMARK && (event.initialEventsEnd() ? !endBookmark : !bookmarks)) {
          return;
        }
        stream.send(frame(rr, event, form, firstTable));
      }

      @Override
      public void onClose() {
        stream.end();
      }
    };
    Watch watch;
    try {
      watch = rr.store().watch(rr.namespace(), options, listener);
    } catch (StatusException e) {
      // the 200 and its headers are out: a too-old version (410) or an unreachable storage (503/504)
      // is one ERROR event, as kube-apiserver reports failures inside a watch
      stream.send(line("ERROR", e.toStatus()));
      stream.end();
      return;
    }
    AtomicReference<Watch> running = new AtomicReference<>(watch);
    stream.onClose(() -> running.get().close());
    stream.schedule(timeoutMillis, stream::end);
    if (bookmarks) {
      scheduleBookmark(stream, watch);
    }
  }

  private static void scheduleBookmark(ResponseStream stream, Watch watch) {
    stream.schedule(BOOKMARK_INTERVAL_MILLIS, () -> {
      watch.bookmark();
      scheduleBookmark(stream, watch);
    });
  }

  /** The frame last encoded on this thread, and what it was encoded from. */
  private record Encoded(ObjectNode source, WatchEvent.Type type, String group, String version, byte[] frame) {
  }

  /**
   * The watch cache hands all watchers of one change the same object, one after the other on one
   * thread: the first JSON watcher encodes it and the rest of that group and version reuse the
   * bytes, so 1,000 watchers cost one encoding per change instead of 1,000 (k8s caches the
   * serialization of a watch event the same way).
   */
  private static final ThreadLocal<Encoded> LAST = new ThreadLocal<>();

  private static byte[] frame(ResourceRequest rr, WatchEvent event, Output.Form form, AtomicBoolean firstTable) {
    if (event.type() != WatchEvent.Type.BOOKMARK && form == Output.Form.JSON) {
      Encoded last = LAST.get();
      if (last != null && last.source() == event.object() && last.type() == event.type()
          && last.group().equals(rr.group()) && last.version().equals(rr.version())) {
        return last.frame();
      }
      byte[] frame = line(event.type().name(), rr.inRequestedVersion(event.object()));
      LAST.set(new Encoded(event.object(), event.type(), rr.group(), rr.version(), frame));
      return frame;
    }
    ObjectNode object;
    if (event.type() == WatchEvent.Type.BOOKMARK) {
      object = JsonNodeFactory.instance.objectNode();
      rr.inRequestedVersion(object);
      ObjectNode meta = object.putObject("metadata");
      meta.put("resourceVersion", Long.toString(event.resourceVersion()));
      if (event.initialEventsEnd()) {
        meta.putObject("annotations").put(INITIAL_EVENTS_END, "true");
      }
    } else {
      object = rr.inRequestedVersion(event.object());
      if (form == Output.Form.TABLE) {
        object = Output.table(rr, List.of(object), JsonNodeFactory.instance.objectNode()
            .put("resourceVersion", Long.toString(event.resourceVersion())));
        if (!firstTable.getAndSet(false)) {
          object.remove("columnDefinitions"); // kube-apiserver sends the columns with the first event only
        }
      } else if (form == Output.Form.PARTIAL_METADATA) {
        object = Output.partial(object);
      }
    }
    return line(event.type().name(), object);
  }

  private static byte[] line(String type, ObjectNode object) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    event.put("type", type);
    event.set("object", object);
    try {
      byte[] json = Bodies.JSON.writeValueAsBytes(event);
      byte[] framed = java.util.Arrays.copyOf(json, json.length + 1);
      framed[json.length] = '\n';
      return framed;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static long timeoutMillis(String timeoutSeconds) {
    if (timeoutSeconds != null && !timeoutSeconds.isEmpty()) {
      try {
        long s = Long.parseLong(timeoutSeconds);
        if (s > 0) {
          return s * 1000;
        }
      } catch (NumberFormatException e) {
        throw StatusException.badRequest("timeoutSeconds: Invalid value: \"" + timeoutSeconds + "\"");
      }
    }
    // kube-apiserver's --min-request-timeout (1800 s) randomised up to twice, so watches do not all end at once.
    return ThreadLocalRandom.current().nextLong(1_800_000, 3_600_000);
  }
}
