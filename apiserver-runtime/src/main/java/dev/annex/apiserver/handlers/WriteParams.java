package dev.annex.apiserver.handlers;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.registry.WriteOptions;
import dev.annex.apiserver.status.StatusException;

import java.util.List;

/** The query parameters every write shares: {@code dryRun} and {@code fieldValidation}. */
final class WriteParams {

  private WriteParams() {
  }

  static WriteOptions options(ApiRequest request) {
    return new WriteOptions(dryRun(request.params("dryRun")), fieldValidation(request.param("fieldValidation")));
  }

  static boolean dryRun(List<String> values) {
    for (String v : values) {
      if (!v.equals("All")) {
        throw StatusException.badRequest("dryRun: Unsupported value: \"" + v + "\": supported values: \"All\"");
      }
    }
    return !values.isEmpty();
  }

  private static WriteOptions.FieldValidation fieldValidation(String value) {
    if (value == null || value.isEmpty()) {
      return WriteOptions.FieldValidation.Warn;
    }
    try {
      return WriteOptions.FieldValidation.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw StatusException.badRequest("fieldValidation: Unsupported value: \"" + value
          + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
    }
  }
}
