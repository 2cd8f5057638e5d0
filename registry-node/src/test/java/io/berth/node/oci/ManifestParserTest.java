package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestParserTest {
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);
  static final String C = "sha256:" + "c".repeat(64);

  static String desc(String mediaType, String digest) {
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":10}";
  }

  static String image(String mediaType, String extra) {
    return "{\"schemaVersion\":2,"
        + (mediaType == null ? "" : "\"mediaType\":\"" + mediaType + "\",")
        + "\"config\":"
        + desc("application/vnd.oci.image.config.v1+json", A)
        + ",\"layers\":["
        + desc("application/vnd.oci.image.layer.v1.tar+gzip", B)
        + "]"
        + extra
        + "}";
  }

  static ManifestParser.Parsed parse(String json, String contentType) {
    return ManifestParser.parse(json.getBytes(StandardCharsets.UTF_8), contentType);
  }

  static void invalid(String json, String contentType, String reason) {
    assertThatThrownBy(() -> parse(json, contentType))
        .isInstanceOf(OciException.class)
        .hasMessageContaining(reason)
        .satisfies(
            e -> assertThat(((OciException) e).code()).isEqualTo(OciErrorCode.MANIFEST_INVALID));
  }

  @Test
  void ociImageManifest() {
    ManifestParser.Parsed p =
        parse(
            image(
                ManifestParser.OCI_MANIFEST,
                ",\"annotations\":{\"a\":\"b\"},\"subject\":"
                    + desc(ManifestParser.OCI_MANIFEST, C)),
            ManifestParser.OCI_MANIFEST + "; charset=utf-8");
    assertThat(p.mediaType()).isEqualTo(ManifestParser.OCI_MANIFEST);
    assertThat(p.index()).isFalse();
    assertThat(p.requiredBlobs()).containsExactly(Digest.parse(A), Digest.parse(B));
    assertThat(p.requiredManifests()).isEmpty();
    assertThat(p.subject()).contains(Digest.parse(C));
    assertThat(p.artifactType()).isEqualTo("application/vnd.oci.image.config.v1+json");
    assertThat(p.annotations()).containsEntry("a", "b");
    assertThat(p.referencedDigests()).containsExactly(A, B);
  }

  @Test
  void mediaTypeFromTheBodyOrTheHeader() {
    assertThat(parse(image(null, ""), ManifestParser.OCI_MANIFEST).mediaType())
        .isEqualTo(ManifestParser.OCI_MANIFEST);
    assertThat(parse(image(ManifestParser.OCI_MANIFEST, ""), null).mediaType())
        .isEqualTo(ManifestParser.OCI_MANIFEST);
    invalid(image(null, ""), null, "no mediaType");
    invalid(image(ManifestParser.OCI_MANIFEST, ""), ManifestParser.DOCKER_MANIFEST, "differs");
    invalid(image(null, ""), "application/vnd.example+json", "unsupported");
  }

  @Test
  void artifactTypeWins() {
    assertThat(
            parse(image(ManifestParser.OCI_MANIFEST, ",\"artifactType\":\"x/y\""), null)
                .artifactType())
        .isEqualTo("x/y");
  }

  @Test
  void indexesAndManifestLists() {
    String list =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + ManifestParser.DOCKER_LIST
            + "\",\"manifests\":["
            + desc(ManifestParser.DOCKER_MANIFEST, A)
            + ","
            + desc(ManifestParser.DOCKER_MANIFEST, B)
            + "]}";
    ManifestParser.Parsed p = parse(list, ManifestParser.DOCKER_LIST);
    assertThat(p.index()).isTrue();
    assertThat(p.requiredBlobs()).isEmpty();
    assertThat(p.requiredManifests()).containsExactly(Digest.parse(A), Digest.parse(B));
    assertThat(p.artifactType()).isEmpty();
  }

  @Test
  void hybridsAreRefused() {
    invalid(
        image(ManifestParser.OCI_MANIFEST, ",\"manifests\":[]"),
        ManifestParser.OCI_MANIFEST,
        "hybrid");
    invalid(
        "{\"schemaVersion\":2,\"mediaType\":\""
            + ManifestParser.OCI_INDEX
            + "\",\"manifests\":[],\"layers\":[]}",
        null,
        "hybrid");
    invalid(
        "{\"schemaVersion\":2,\"mediaType\":\""
            + ManifestParser.OCI_INDEX
            + "\",\"manifests\":[],\"config\":"
            + desc("x/y", A)
            + "}",
        null,
        "hybrid");
  }

  @Test
  void foreignLayersNeedNotBeStored() {
    String foreign =
        "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\""
            + C
            + "\",\"size\":10,\"urls\":[\"https://example.com/layer\"]}";
    String m =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + ManifestParser.DOCKER_MANIFEST
            + "\",\"config\":"
            + desc("application/vnd.docker.container.image.v1+json", A)
            + ",\"layers\":["
            + foreign
            + "]}";
    assertThat(parse(m, null).requiredBlobs()).containsExactly(Digest.parse(A));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "[]",
        "42",
        "{\"schemaVersion\":1}",
        "{\"schemaVersion\":\"2\"}",
        "{\"schemaVersion\":2,\"schemaVersion\":2}",
        "{\"schemaVersion\":2,\"mediaType\":7}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:1\",\"size\":1},\"layers\":[]}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:"
            + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":-1},"
            + "\"layers\":[]}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"digest\":\"sha256:"
            + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1},"
            + "\"layers\":[]}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:"
            + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1},"
            + "\"layers\":{}}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:"
            + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1},"
            + "\"layers\":[],\"annotations\":{\"a\":1}}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
            + "\"manifests\":[\"x\"]}",
      })
  void brokenManifestsAreManifestInvalid(String json) {
    assertThatThrownBy(() -> parse(json, null))
        .isInstanceOf(OciException.class)
        .satisfies(
            e -> assertThat(((OciException) e).code()).isEqualTo(OciErrorCode.MANIFEST_INVALID));
  }
}
