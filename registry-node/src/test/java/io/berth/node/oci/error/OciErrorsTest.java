package io.berth.node.oci.error;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.http.BodyTimeoutException;
import io.berth.node.index.IndexException;
import io.berth.node.index.OciReferenceMissingException;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.StorageException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The one mapper to OCI responses, and the code table. */
class OciErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static OciErrors.Response map(Throwable e) {
    return OciErrors.map(e).orElseThrow(() -> new AssertionError("not mapped: " + e));
  }

  static JsonNode body(OciErrors.Response r) throws IOException {
    return JSON.readTree(r.body());
  }

  @Test
  void theTableHasTheSpecsFourteenCodes() {
    Set<String> wire =
        Arrays.stream(OciErrorCode.values()).map(OciErrorCode::code).collect(Collectors.toSet());
    assertThat(wire)
        .containsAll(
            List.of(
                "BLOB_UNKNOWN",
                "BLOB_UPLOAD_INVALID",
                "BLOB_UPLOAD_UNKNOWN",
                "DIGEST_INVALID",
                "MANIFEST_BLOB_UNKNOWN",
                "MANIFEST_INVALID",
                "MANIFEST_UNKNOWN",
                "NAME_INVALID",
                "NAME_UNKNOWN",
                "SIZE_INVALID",
                "UNAUTHORIZED",
                "DENIED",
                "UNSUPPORTED",
                "TOOMANYREQUESTS"));
    assertThat(wire).hasSize(16).contains("UNAVAILABLE", "UNKNOWN");
    assertThat(OciErrorCode.BLOB_UNKNOWN.status()).isEqualTo(404);
    assertThat(OciErrorCode.UNAUTHORIZED.status()).isEqualTo(401);
    assertThat(OciErrorCode.DENIED.status()).isEqualTo(403);
    assertThat(OciErrorCode.TOOMANYREQUESTS.status()).isEqualTo(429);
    assertThat(OciErrorCode.BLOB_UPLOAD_RANGE_INVALID.status()).isEqualTo(416);
    assertThat(OciErrorCode.MANIFEST_TOO_LARGE.status()).isEqualTo(413);
    assertThat(OciErrorCode.UPSTREAM_DIGEST_INVALID.code()).isEqualTo("DIGEST_INVALID");
    assertThat(OciErrorCode.UPSTREAM_DIGEST_INVALID.status())
        .as("a pull-through upstream's bad content is a gateway error")
        .isEqualTo(502);
    assertThat(OciErrorCode.UPSTREAM_MANIFEST_INVALID.code()).isEqualTo("MANIFEST_INVALID");
    assertThat(OciErrorCode.UPSTREAM_MANIFEST_INVALID.status()).isEqualTo(502);
  }

  @Test
  void theBodyHasTheSpecShape() throws IOException {
    OciErrors.Response r =
        map(new OciException(OciErrorCode.BLOB_UNKNOWN, "blob x unknown", Map.of("digest", "x")));
    assertThat(r.status()).isEqualTo(404);
    JsonNode b = body(r);
    assertThat(b.fieldNames()).toIterable().containsExactly("errors");
    JsonNode e = b.get("errors").get(0);
    assertThat(e.fieldNames()).toIterable().containsExactly("code", "message", "detail");
    assertThat(e.get("code").asText()).isEqualTo("BLOB_UNKNOWN");
    assertThat(e.get("message").asText()).isEqualTo("blob x unknown");
    assertThat(e.get("detail").get("digest").asText()).isEqualTo("x");
    assertThat(
            body(map(new OciException(OciErrorCode.DENIED, ""))).at("/errors/0/message").asText())
        .as("the spec's message when none is given")
        .isEqualTo("requested access to the resource is denied");
  }

  @Test
  void tooManyRequestsCarriesRetryAfter() {
    OciErrors.Response r = map(new OciException(OciErrorCode.TOOMANYREQUESTS, "busy"));
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.headers()).containsKey("Retry-After");
    OciErrors.Response custom =
        map(
            new OciException(
                OciErrorCode.TOOMANYREQUESTS, "busy", Map.of(), Map.of("Retry-After", "30")));
    assertThat(custom.headers()).containsEntry("Retry-After", "30");
    assertThat(
            OciErrors.response(OciErrorCode.TOOMANYREQUESTS, "overloaded", Map.of(), Map.of())
                .headers())
        .containsKey("Retry-After");
  }

  @Test
  void storageFailuresAre503WithRetryAfterAndHideTheCause() throws IOException {
    for (RuntimeException e :
        List.of(
            new StorageException("disk on fire /secret/path"),
            new IndexException("rocks says no", null))) {
      OciErrors.Response r = map(e);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.headers()).containsKey("Retry-After");
      assertThat(body(r).at("/errors/0/code").asText()).isEqualTo("UNAVAILABLE");
      assertThat(new String(r.body())).doesNotContain("secret").doesNotContain("rocks");
    }
  }

  @Test
  void storageBusyIs503UnavailableWithItsRetryAfter() throws IOException {
    OciErrors.Response r =
        map(new io.berth.node.storage.StorageBusyException("all upload buffers in use", 7));
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.headers()).containsEntry("Retry-After", "7");
    assertThat(body(r).at("/errors/0/code").asText()).isEqualTo("UNAVAILABLE");
    assertThat(body(r).at("/errors/0/message").asText())
        .contains("busy")
        .contains("all upload buffers in use");
  }

  @Test
  void lowerTierErrorsMapToTheirCodes() throws IOException {
    assertThat(
            map(new BlobRejectedException(BlobRejectedException.Reason.DIGEST_MISMATCH, "x"))
                .code())
        .isEqualTo(OciErrorCode.DIGEST_INVALID);
    assertThat(
            map(new BlobRejectedException(BlobRejectedException.Reason.SIZE_MISMATCH, "x")).code())
        .isEqualTo(OciErrorCode.SIZE_INVALID);
    assertThat(map(new BodyTimeoutException("no data for 2 s")).code())
        .isEqualTo(OciErrorCode.SIZE_INVALID);
    OciErrors.Response missing =
        map(new OciReferenceMissingException("r", List.of("sha256:1", "sha256:2")));
    assertThat(missing.code()).isEqualTo(OciErrorCode.MANIFEST_BLOB_UNKNOWN);
    assertThat(body(missing).at("/errors/0/detail/digest").asText()).isEqualTo("sha256:1");
    assertThat(OciErrors.map(new IllegalStateException("bug"))).isEmpty();
    assertThat(OciErrors.map(new IOException("client gone"))).isEmpty();
  }

  @Test
  void headersOfTheDomainErrorAreSent() {
    OciErrors.Response r =
        map(
            new OciException(
                OciErrorCode.UNAUTHORIZED,
                "login",
                Map.of(),
                Map.of("WWW-Authenticate", "Bearer realm=\"x\"")));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"x\"");
  }
}
