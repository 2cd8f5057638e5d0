package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.minio.MinioAsyncClient;
import io.minio.RemoveObjectArgs;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the S3 client puts on the wire (ADR 0028): byte-array bodies go unsigned, with a signed
 * Content-MD5 of exactly the bytes sent; requests without a body are signed as MinIO signs them. A
 * plain HTTP server on loopback records each request and answers as S3 would.
 */
class ByteArrayS3ClientTest {
  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  record Seen(String method, String path, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private ByteArrayS3Client client;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          seen.add(
              new Seen(
                  ex.getRequestMethod(),
                  ex.getRequestURI().getPath(),
                  Map.copyOf(ex.getRequestHeaders()),
                  body));
          ex.getResponseHeaders().add("ETag", "\"etag\"");
          int status = ex.getRequestMethod().equals("DELETE") ? 204 : 200;
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    server.start();
    client =
        new ByteArrayS3Client(
            MinioAsyncClient.builder()
                .endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .region("us-east-1")
                .credentials("access", "secret-key")
                .build());
  }

  @AfterEach
  void stop() throws Exception {
    server.stop(0);
    client.close();
  }

  @Test
  void aPutSendsExactlyTheGivenBytesUnsignedWithASignedContentMd5() throws Exception {
    byte[] buffer = "hello, bucket! and bytes past the length".getBytes(StandardCharsets.UTF_8);
    int length = 14;
    client.putBytes("bucket", "us-east-1", "blobs/k", buffer, length).get(10, TimeUnit.SECONDS);

    assertThat(seen).hasSize(1);
    Seen put = seen.get(0);
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.path()).isEqualTo("/bucket/blobs/k");
    assertThat(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo("hello, bucket!");
    assertThat(put.header("Content-Length")).isEqualTo("14");
    assertThat(put.header("x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
    assertThat(put.header("Content-MD5")).isEqualTo(md5(put.body()));
    assertThat(put.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(signedHeaders(put)).contains("content-md5", "x-amz-content-sha256", "x-amz-date");
  }

  @Test
  void aMultipartPartIsSentUnsignedToo() throws Exception {
    byte[] part = new byte[64 << 10];
    new java.util.Random(7).nextBytes(part);
    client
        .uploadPartAsync(
            "bucket", "us-east-1", "blobs/big", part, part.length, "up-1", 3, null, null)
        .get(10, TimeUnit.SECONDS);

    Seen put = seen.get(0);
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.body()).isEqualTo(part);
    assertThat(put.header("x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
    assertThat(put.header("Content-MD5")).isEqualTo(md5(part));
    assertThat(signedHeaders(put)).contains("content-md5", "x-amz-content-sha256");
  }

  @Test
  void aRequestWithoutABodyIsSignedAsMinioSignsIt() throws Exception {
    client
        .removeObject(RemoveObjectArgs.builder().bucket("bucket").object("blobs/k").build())
        .get(10, TimeUnit.SECONDS);

    Seen delete = seen.get(0);
    assertThat(delete.method()).isEqualTo("DELETE");
    assertThat(delete.body()).isEmpty();
    assertThat(delete.header("x-amz-content-sha256")).isEqualTo(EMPTY_SHA256);
    assertThat(delete.header("Authorization")).startsWith("AWS4-HMAC-SHA256 ");
  }

  private static String md5(byte[] bytes) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
  }

  private static List<String> signedHeaders(Seen s) {
    String auth = s.header("Authorization");
    assertThat(auth).isNotNull();
    String part = auth.substring(auth.indexOf("SignedHeaders=") + "SignedHeaders=".length());
    return List.of(part.substring(0, part.indexOf(',')).split(";"));
  }
}
