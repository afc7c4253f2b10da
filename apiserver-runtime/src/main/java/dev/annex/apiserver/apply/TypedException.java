package dev.annex.apiserver.apply;

/** An object that does not fit its schema the way SMD requires (unknown field, duplicate key...). */
final class TypedException extends RuntimeException {
  TypedException(FieldPath path, String message) {
    super((path.elements().isEmpty() ? "" : path + ": ") + message);
  }
}
