package dev.annex.apiserver;

import dev.annex.apiserver.server.RuntimeServer;
import dev.annex.apiserver.server.ServerOptions;

import java.util.concurrent.CountDownLatch;

/** {@code java -jar annex-apiserver.jar --api-definition FILE [flags]}: serves until stopped. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    poolAsyncStages(System.getProperties(), Runtime.getRuntime().availableProcessors());
    ServerOptions options;
    try {
      options = ServerOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      System.err.print(ServerOptions.usage());
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(ServerOptions.usage());
      return;
    }
    RuntimeServer server = RuntimeServer.start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.shutdown();
      } catch (InterruptedException e) {
        server.close();
      }
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * On one or two CPUs (a small node, a container limit) the common ForkJoinPool gets a parallelism
   * below 2, and then CompletableFuture's default executor starts a new thread for every async
   * stage. The JDK HTTP client under fabric8 runs such stages for every call to the kube-apiserver
   * (here: every TokenReview and SubjectAccessReview), so each call cost thread starts; profiled,
   * that doubled a review's latency. A parallelism of 2 keeps them on pooled threads. Must run
   * before anything touches the common pool; a value given with {@code -D} wins.
   */
  static void poolAsyncStages(java.util.Properties system, int cpus) {
    if (cpus <= 2 && system.getProperty(COMMON_POOL_PARALLELISM) == null) {
      system.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
  }
}
