package dev.annex.cluster.node;

import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.ManagedProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An etcd for the runtimes' objects, apart from the cluster's own (which listens on the node's
 * loopback only, as kubeadm's does): on the node IP, so pods reach it as they would a dedicated etcd
 * of a real cluster. Plain HTTP: it is reachable only inside the node's network namespace. Its data
 * is thrown away with the node, so it does not fsync: on a disk shared with other builds, fsync
 * stalls of seconds would time out the runtime's etcd calls and test the disk instead of Annex.
 */
public record StorageEtcd(URI url, ManagedProcess process) {
  static final int CLIENT_PORT = 2479;
  static final int PEER_PORT = 2480;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /** Started as a process of {@code plane}'s host, so closing the plane stops it by its pid. */
  static StorageEtcd start(ControlPlane plane, String nodeIp) {
    URI url = URI.create("http://" + nodeIp + ":" + CLIENT_PORT);
    String peer = "http://127.0.0.1:" + PEER_PORT;
    Path dataDir = plane.directory().resolve("storage-etcd");
    ManagedProcess etcd = plane.startOnHost("storage-etcd", List.of(
        plane.binaries().resolve("etcd").toString(),
        "--name", "storage",
        "--data-dir", dataDir.toString(),
        "--listen-client-urls", url.toString(), "--advertise-client-urls", url.toString(),
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "storage=" + peer,
        "--unsafe-no-fsync",
        "--log-level", "warn"));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    etcd.await("the storage etcd's " + url + "/health", READY_TIMEOUT, () -> {
      try {
        return http.send(HttpRequest.newBuilder(url.resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    return new StorageEtcd(url, etcd);
  }
}
