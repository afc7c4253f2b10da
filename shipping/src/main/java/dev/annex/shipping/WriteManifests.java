package dev.annex.shipping;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code make bundle}: writes deploy/ and bundle/ from {@link ShippedFiles#render} and removes any
 * other file there, so the folders hold exactly what is generated.
 */
public final class WriteManifests {
  private WriteManifests() {
  }

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : "..").toAbsolutePath().normalize();
    Map<String, String> files = ShippedFiles.render(root, Release.current());
    for (String folder : List.of(ShippedFiles.DEPLOY, ShippedFiles.BUNDLE)) {
      Path dir = root.resolve(folder);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> existing = Files.walk(dir)) {
          for (Path file : existing.filter(Files::isRegularFile).toList()) {
            if (!files.containsKey(root.relativize(file).toString())) {
              Files.delete(file);
            }
          }
        }
      }
    }
    for (var entry : files.entrySet()) {
      Path file = root.resolve(entry.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, entry.getValue());
    }
    System.out.println("wrote " + files.size() + " files under " + root.resolve(ShippedFiles.DEPLOY) + " and "
        + root.resolve(ShippedFiles.BUNDLE));
  }
}
