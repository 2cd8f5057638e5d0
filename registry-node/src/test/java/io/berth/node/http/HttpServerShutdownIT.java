package io.berth.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Closing the server lets requests in progress finish before it returns, so the parts they use (the
 * index, the blob store) are not closed under them.
 */
class HttpServerShutdownIT {
  @Test
  void closeWaitsForRequestsInProgress() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    HttpServer server =
        new HttpServer(
            "127.0.0.1",
            0,
            4,
            60_000,
            ex -> {
              entered.countDown();
              long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
              while (System.nanoTime() < end) {
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  // a handler in the middle of a storage call does not stop at once
                }
              }
              finished.set(true);
              ex.sendText(200, "done");
            },
            (ex, nanos) -> {});
    server.start();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    var response =
        client.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/slow"))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    server.close();
    assertThat(finished).as("the request in progress ended before close returned").isTrue();
    assertThat(response.get(30, TimeUnit.SECONDS).body()).isEqualTo("done\n");
  }
}
