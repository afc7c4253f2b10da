package dev.annex.apiserver.registry;

/**
 * How a write runs: {@code dryRun=All} does everything but store; {@code fieldValidation} is
 * Strict (unknown fields are a 400), Warn (a warning each) or Ignore (silently pruned).
 */
public record WriteOptions(boolean dryRun, FieldValidation fieldValidation) {

  public enum FieldValidation { Strict, Warn, Ignore }

  public static WriteOptions defaults() {
    return new WriteOptions(false, FieldValidation.Warn);
  }
}
