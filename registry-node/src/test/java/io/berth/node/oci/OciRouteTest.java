package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.oci.OciRoute.Kind;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OciRouteTest {
  static final String D = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

  @ParameterizedTest
  @CsvSource({
    "/v2, PING, , ",
    "/v2/, PING, , ",
    "/v2/_catalog, CATALOG, , ",
    "/v2/a/manifests/latest, MANIFEST, a, latest",
    "/v2/a/b/c/manifests/v1.0, MANIFEST, a/b/c, v1.0",
    "/v2/a/manifests/" + D + ", MANIFEST, a, " + D,
    "/v2/a/blobs/" + D + ", BLOB, a, " + D,
    "/v2/a/blobs/uploads/, UPLOAD_START, a, ",
    "/v2/a/blobs/uploads, UPLOAD_START, a, ",
    "/v2/a/b/blobs/uploads/0f9e-aa_1, UPLOAD, a/b, ",
    "/v2/a/tags/list, TAGS, a, ",
    "/v2/a/referrers/" + D + ", REFERRERS, a, " + D,
    "/v2/manifests/manifests/latest, MANIFEST, manifests, latest",
    "/v2/x/blobs/blobs/" + D + ", BLOB, x/blobs, " + D,
    "/v2/x/blobs/uploads/manifests/v1, MANIFEST, x/blobs/uploads, v1",
    "/v2/tags/tags/list, TAGS, tags, ",
  })
  void parses(String path, Kind kind, String name, String ref) {
    OciRoute r = OciRoute.parse(path);
    assertThat(r.kind()).isEqualTo(kind);
    assertThat(r.name() == null ? null : r.name().value()).isEqualTo(name);
    if (kind == Kind.MANIFEST) {
      assertThat(r.reference()).isEqualTo(ref);
      assertThat(r.byTag()).isEqualTo(!ref.startsWith("sha256:"));
    }
    if (kind == Kind.BLOB || kind == Kind.REFERRERS) {
      assertThat(r.digest().toString()).isEqualTo(ref);
    }
    if (kind == Kind.UPLOAD) {
      assertThat(r.uploadId()).isEqualTo("0f9e-aa_1");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "/v2/A/manifests/latest, NAME_INVALID",
    "/v2/manifests/latest, NAME_INVALID",
    "/v2/a-/tags/list, NAME_INVALID",
    "/v2/a/manifests/-x, MANIFEST_INVALID",
    "/v2/a/manifests/sha256:abc, DIGEST_INVALID",
    "/v2/a/blobs/latest, DIGEST_INVALID",
    "/v2/a/referrers/latest, DIGEST_INVALID",
    "/v2/a/blobs/uploads/a.b, BLOB_UPLOAD_UNKNOWN",
    "/v2/a/%zz/tags/list, NAME_INVALID",
    "/v2/a, ENDPOINT_UNKNOWN",
    "/v2/a/b, ENDPOINT_UNKNOWN",
    "/v2/a/tags/other, ENDPOINT_UNKNOWN",
    "/v3/a/tags/list, ENDPOINT_UNKNOWN",
  })
  void refuses(String path, OciErrorCode code) {
    assertThatThrownBy(() -> OciRoute.parse(path))
        .isInstanceOf(OciException.class)
        .satisfies(e -> assertThat(((OciException) e).code()).isEqualTo(code));
  }

  @Test
  void percentEscapesAreDecodedThenValidated() {
    assertThat(OciRoute.parse("/v2/a%2Db/tags/list").name().value()).isEqualTo("a-b");
    assertThat(OciRoute.parse("/v2/a/manifests/sha256%3A" + "a".repeat(64)).digest().toString())
        .isEqualTo(D);
  }
}
