package io.berth.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link HttpHandler#handleInline} (ADR 0021): a body-less GET/HEAD is offered on the event loop;
 * what the handler answers there needs no worker, what it declines runs on a worker as before, and
 * a request with a body is never offered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InlineAnswerIT {
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch slowStarted = new CountDownLatch(1);
  private HttpServer server;
  private String base;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /** Answers inline with the thread's name; on a worker with "worker " and the thread's name. */
  private static final class Answering implements HttpHandler {
    private final boolean inline;

    Answering(boolean inline) {
      this.inline = inline;
    }

    @Override
    public boolean handleInline(Exchange ex) {
      if (!inline) {
        return false;
      }
      ex.sendText(200, "inline " + Thread.currentThread().getName());
      return true;
    }

    @Override
    public void handle(Exchange ex) {
      ex.sendText(200, "worker " + Thread.currentThread().getName());
    }
  }

  @BeforeAll
  void start() throws Exception {
    Router router =
        new Router()
            .exact("/inline", "inline", new Answering(true))
            .exact("/declines", "declines", new Answering(false))
            .exact(
                "/slow",
                "slow",
                ex -> {
                  slowStarted.countDown();
                  release.await(60, TimeUnit.SECONDS);
                  ex.sendText(200, "slow done");
                });
    // one worker, so a blocked worker shows whether an answer needed one
    server = new HttpServer("127.0.0.1", 0, 1, 30_000, router, (ex, nanos) -> {});
    server.start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  void stop() {
    release.countDown();
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAnsweredRequestIsServedOnTheEventLoopAndKeepsTheConnectionUsable() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = get("/inline");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("inline ").doesNotContain("berth-http");
    }
    HttpResponse<String> head =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/inline"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  @Test
  void aDeclinedRequestRunsOnAWorker() throws Exception {
    HttpResponse<String> r = get("/declines");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("worker berth-http-");
  }

  @Test
  void aRequestWithABodyIsNeverOfferedInline() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/inline"))
                .method("GET", HttpRequest.BodyPublishers.ofString("a body"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("worker berth-http-");
  }

  @Test
  void anInlineAnswerNeedsNoFreeWorker() throws Exception {
    HttpClient other =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    CompletableFuture<HttpResponse<String>> slow =
        other.sendAsync(
            HttpRequest.newBuilder(URI.create(base + "/slow")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(slowStarted.await(20, TimeUnit.SECONDS)).isTrue();
    try {
      // the only worker is blocked: this answer can only come from the event loop
      HttpResponse<String> r = get("/inline");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("inline ");
    } finally {
      release.countDown();
    }
    assertThat(slow.get(20, TimeUnit.SECONDS).body()).contains("slow done");
  }
}
