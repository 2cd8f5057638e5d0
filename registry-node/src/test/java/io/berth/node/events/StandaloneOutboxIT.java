package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.events.v1.ChangeEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default, with no Kafka: every index change still writes its event to the outbox in
 * the same synced batch, so the node keeps a complete, ordered local log across restarts (and a
 * node that joins a region later publishes its whole history).
 */
class StandaloneOutboxIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void everyChangeIsInTheLocalLogInOrderAndSurvivesRestart() throws Exception {
    Path data = tmp.resolve("node");
    List<ChangeEvent> before;
    try (NodeAssembly n = TestNodes.start(data, c -> c)) {
      Path zip =
          GoModules.zip(
              tmp.resolve("z"),
              "corp.example.com/solo",
              "v1.0.0",
              Map.of("go.mod", "module corp.example.com/solo\n"));
      assertThat(
              Http.putFile(
                      TestNodes.url(n)
                          + "/_berth/api/go/publish/corp.example.com/solo/@v/v1.0.0.zip",
                      zip)
                  .statusCode())
          .isEqualTo(201);
      OciClient oci = new OciClient(TestNodes.url(n));
      Image img = OciImages.image(false, "amd64", 1, 1_000, 1);
      for (Blob b : img.blobs()) {
        oci.pushBlob("solo/app", b.bytes());
      }
      assertThat(
              oci.putManifest("solo/app", "v1", img.manifest().mediaType(), img.manifest().bytes())
                  .status())
          .isEqualTo(201);
      assertThat(oci.delete("/v2/solo/app/manifests/v1").status()).isEqualTo(202);
      assertThat(oci.delete("/v2/solo/app/manifests/" + img.manifest().digest()).status())
          .isEqualTo(202);

      before = n.changeLog().readAfter(0, 1_000);
      assertThat(before)
          .extracting(ChangeEvent::getChangeCase)
          .containsExactly(
              ChangeEvent.ChangeCase.GO_VERSION_STORED,
              ChangeEvent.ChangeCase.BLOB_LINK_ADDED, // config
              ChangeEvent.ChangeCase.BLOB_LINK_ADDED, // layer
              ChangeEvent.ChangeCase.MANIFEST_PUT,
              ChangeEvent.ChangeCase.BLOB_LINK_ADDED, // the manifest's own bytes
              ChangeEvent.ChangeCase.TAG_SET,
              ChangeEvent.ChangeCase.TAG_DELETE,
              ChangeEvent.ChangeCase.MANIFEST_DELETE,
              ChangeEvent.ChangeCase.BLOB_LINK_REMOVED);
      assertThat(before)
          .extracting(ChangeEvent::getSeq)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 9).boxed().toList());
      for (ChangeEvent e : before) {
        assertThat(e.getOriginNode()).isEqualTo("test-node");
        assertThat(e.getOriginIncarnation()).isEqualTo(n.changeLog().incarnation());
      }
      JsonNode status = JSON.readTree(Http.get(TestNodes.url(n) + "/_berth/api/events").body());
      assertThat(status.get("relayedToKafka").asBoolean()).isFalse();
      assertThat(status.get("lastSeq").asLong()).isEqualTo(9);
      assertThat(Http.get(TestNodes.url(n) + "/readyz").statusCode())
          .as("a standalone node has no log to catch up with")
          .isEqualTo(200);
    }
    try (NodeAssembly n = TestNodes.start(data, c -> c)) {
      assertThat(n.changeLog().readAfter(0, 1_000)).isEqualTo(before);
      OciClient oci = new OciClient(TestNodes.url(n));
      oci.pushBlob("solo/app", "more".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      List<ChangeEvent> after = n.changeLog().readAfter(0, 1_000);
      assertThat(after).hasSize(10);
      assertThat(after.get(9).getSeq()).isEqualTo(10);
      assertThat(
              after.get(9).getHlc().getWallMillis() * 1_000L + after.get(9).getHlc().getLogical())
          .as("the clock continues after the restart")
          .isGreaterThan(
              before.get(8).getHlc().getWallMillis() * 1_000L
                  + before.get(8).getHlc().getLogical());
    }
  }
}
