package io.berth.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.access.OpenAccessPolicy;
import io.berth.node.oci.OciHandler;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Refusals before a handler runs (unsafe paths, a full worker queue) are written by the handler the
 * path routes to: OCI JSON under {@code /v2/} (429 with Retry-After when overloaded), GOPROXY text
 * elsewhere.
 */
class RouterRefusalTest {
  private final Router router =
      new Router()
          .prefix("/v2/", "oci", new OciHandler(null, new OpenAccessPolicy()))
          .fallback("goproxy", ex -> ex.sendText(404, "not found"));

  private static FullHttpResponse run(String path, java.util.function.Consumer<Exchange> action) {
    EmbeddedChannel ch = new EmbeddedChannel();
    Exchange ex =
        new Exchange(
            ch,
            new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path),
            new RequestBody(
                new RequestBody.FlowControl() {
                  @Override
                  public void pause() {}

                  @Override
                  public void resume() {}
                },
                1000),
            new Exchange.ExchangeListener() {
              @Override
              public void responseDone(Exchange exchange, boolean success) {}

              @Override
              public void responseAborted(Exchange exchange) {}

              @Override
              public boolean awaitWritable(Channel channel) {
                return true;
              }
            });
    action.accept(ex);
    return ch.readOutbound();
  }

  @Test
  void overloadIsTooManyRequestsJsonUnderV2AndTextElsewhere() {
    FullHttpResponse oci =
        run(
            "/v2/a/manifests/latest",
            ex -> router.refuse(ex, HttpHandler.Refusal.OVERLOADED, "server overloaded"));
    assertThat(oci.status().code()).isEqualTo(429);
    assertThat(oci.headers().get("Retry-After")).isNotBlank();
    assertThat(oci.headers().get("Content-Type")).startsWith("application/json");
    assertThat(oci.content().toString(StandardCharsets.UTF_8)).contains("\"TOOMANYREQUESTS\"");

    FullHttpResponse go =
        run(
            "/example.com/m/@v/list",
            ex -> router.refuse(ex, HttpHandler.Refusal.OVERLOADED, "server overloaded"));
    assertThat(go.status().code()).isEqualTo(503);
    assertThat(go.headers().get("Retry-After")).isEqualTo("1");
    assertThat(go.headers().get("Content-Type")).startsWith("text/plain");
  }

  @Test
  void unsafePathsAreRefusedInTheRoutedProtocolsFormat() throws Exception {
    FullHttpResponse[] out = new FullHttpResponse[1];
    out[0] =
        run(
            "/v2/a/%2e%2e/b/tags/list",
            ex -> {
              try {
                router.handle(ex);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
    assertThat(out[0].status().code()).isEqualTo(400);
    assertThat(out[0].content().toString(StandardCharsets.UTF_8)).contains("\"NAME_INVALID\"");
    FullHttpResponse go =
        run(
            "/example.com/%2e%2e/@v/list",
            ex -> {
              try {
                router.handle(ex);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
    assertThat(go.status().code()).isEqualTo(400);
    assertThat(go.headers().get("Content-Type")).startsWith("text/plain");
  }
}
