package dev.annex.apiserver.http;

/** The open body of a streamed response: chunks go out in order; thread-safe. */
public interface ResponseStream {

  void send(byte[] chunk);

  /** Ends the response; idempotent. */
  void end();

  /** Runs {@code action} once when the response ends, by either side (client gone included). */
  void onClose(Runnable action);

  /** Runs {@code action} after {@code millis} unless the stream ended before. */
  void schedule(long millis, Runnable action);
}
