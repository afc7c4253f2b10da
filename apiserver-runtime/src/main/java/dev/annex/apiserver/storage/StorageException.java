package dev.annex.apiserver.storage;

/** A storage failure the registry turns into the matching Kubernetes status. */
public class StorageException extends RuntimeException {

  public enum Kind { NOT_FOUND, KEY_EXISTS, EXPIRED }

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
