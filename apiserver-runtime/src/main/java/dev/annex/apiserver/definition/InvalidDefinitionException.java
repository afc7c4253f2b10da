package dev.annex.apiserver.definition;

/** The API definition file cannot be served as written; the message names the field to fix. */
public class InvalidDefinitionException extends RuntimeException {
  public InvalidDefinitionException(String message) {
    super(message);
  }
}
