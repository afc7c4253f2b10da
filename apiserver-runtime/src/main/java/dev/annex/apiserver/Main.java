package dev.annex.apiserver;

import dev.annex.apiserver.server.RuntimeServer;
import dev.annex.apiserver.server.ServerOptions;

import java.util.concurrent.CountDownLatch;

/** {@code java -jar annex-apiserver.jar --api-definition FILE [flags]}: serves until stopped. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) throws Exception {
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
      server.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }
}
