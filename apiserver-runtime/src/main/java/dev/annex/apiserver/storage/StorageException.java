package dev.annex.apiserver.storage;

/** A storage failure the registry turns into the matching Kubernetes status. */
public class StorageException extends RuntimeException {

  /**
   * {@code UNAVAILABLE}: the backend cannot be reached (503); {@code TIMEOUT}: it did not answer in
   * time, and a write may or may not have happened (504). Both are retriable; neither leaves a
   * partial write, because every write is one atomic operation.
   */
  public enum Kind { NOT_FOUND, KEY_EXISTS, EXPIRED, UNAVAILABLE, TIMEOUT }

  private final Kind kind;
  private final String key;

  public StorageException(Kind kind, String key, String message) {
    super(message);
    this.kind = kind;
    this.key = key;
  }

  public Kind kind() {
    return kind;
  }

  public String key() {
    return key;
  }

  public static StorageException expired(long requested, long oldest) {
    return new StorageException(Kind.EXPIRED, null,
        "too old resource version: " + requested + " (" + oldest + ")");
  }
}
