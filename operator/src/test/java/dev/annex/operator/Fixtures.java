package dev.annex.operator;

import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The examples the tests apply: the same files a user applies. */
public final class Fixtures {
  private Fixtures() {
  }

  public static AggregatedApi wardle() {
    try (InputStream in = Files.newInputStream(Path.of(System.getProperty("annex.examples.dir", "../examples"), "wardle.yaml"))) {
      return Serialization.unmarshal(in, AggregatedApi.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static AggregatedApi wardle(String namespace, String name) {
    AggregatedApi api = wardle();
    api.getMetadata().setNamespace(namespace);
    api.getMetadata().setName(name);
    return api;
  }
}
