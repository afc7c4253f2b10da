package dev.annex.shipping.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code docker save} tarball as Jib's buildTar writes it: manifest.json naming the config and
 * the layers (gzipped tars, base first). Read with the host's tar, which also creates the device
 * nodes a root file system holds when unpacked as root.
 */
record ImageTarball(Path file, Path unpacked, JsonNode manifest, JsonNode config) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ImageTarball open(Path file, Path work) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(file + " is missing: build the images first (`make images`)");
    }
    Path unpacked = Files.createTempDirectory(work, "image-");
    tar(List.of("-xf", file.toString(), "-C", unpacked.toString()));
    JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
    JsonNode config = JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile());
    return new ImageTarball(file, unpacked, manifest, config);
  }

  String tag() {
    return manifest.get("RepoTags").get(0).asText();
  }

  List<Path> layers() {
    List<Path> layers = new ArrayList<>();
    manifest.get("Layers").forEach(l -> layers.add(unpacked.resolve(l.asText())));
    return layers;
  }

  List<String> strings(String configField) {
    List<String> values = new ArrayList<>();
    config.get("config").path(configField).forEach(v -> values.add(v.asText()));
    return values;
  }

  /** A file of the image (the last layer that has it wins), e.g. {@code app/resources/x.properties}. */
  Optional<String> read(String path) throws IOException {
    List<Path> layers = layers();
    for (int i = layers.size() - 1; i >= 0; i--) {
      String listing = tar(List.of("-tzf", layers.get(i).toString()));
      if (listing.lines().anyMatch(path::equals)) {
        return Optional.of(tar(List.of("-xzf", layers.get(i).toString(), "-O", path)));
      }
    }
    return Optional.empty();
  }

  /** Every layer, in order, into {@code root}. */
  void unpackInto(Path root) {
    for (Path layer : layers()) {
      tar(List.of("-xzf", layer.toString(), "-C", root.toString()));
    }
  }

  private static String tar(List<String> args) {
    List<String> command = new ArrayList<>(List.of("tar", "--warning=no-unknown-keyword"));
    command.addAll(args);
    try {
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("tar took over 2 minutes: " + command);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("tar exited " + process.exitValue() + ": " + command);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
