package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.file.FileBlobStore;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * C1 for {@code berth gc} on a stopped node whose blobs are shared ({@code sharedBlobDir}): a
 * deleting run is refused with a message that says why and what to do instead (the running GC
 * owner's admin API, a dry run, or the explicit override), and deletes nothing; {@code --dry-run}
 * still works, and {@code --i-know-the-index-is-complete} deletes.
 */
class GcSharedStorageCliIT {
  @TempDir Path tmp;

  private Path config(String extra) throws Exception {
    Path cfg = tmp.resolve("berth.yaml");
    Files.writeString(
        cfg,
        "storage:\n"
            + "  type: file\n"
            + "  dataDir: "
            + tmp.resolve("node")
            + "\n"
            + "  sharedBlobDir: "
            + tmp.resolve("shared")
            + "\n"
            + extra);
    return cfg;
  }

  private StoredBlob orphan() throws Exception {
    try (FileBlobStore blobs = new FileBlobStore(tmp.resolve("shared"))) {
      return blobs.put(new ByteArrayInputStream(new byte[555]), PutExpectation.any());
    }
  }

  private boolean present(StoredBlob b) throws Exception {
    try (FileBlobStore blobs = new FileBlobStore(tmp.resolve("shared"))) {
      return blobs.stat(b.digest()).isPresent();
    }
  }

  @Test
  void withoutZooKeeperItRefusesAndExplainsThenDryRunAndOverrideWork() throws Exception {
    Path cfg = config("");
    StoredBlob orphan = orphan();

    GcIT.Cli refused = GcIT.cli("gc", "-c", cfg.toString(), "--grace-minutes", "0");
    assertThat(refused.exit()).as(refused.out()).isEqualTo(2);
    assertThat(refused.err())
        .contains("refusing to delete blobs")
        .contains("directory " + tmp.resolve("shared"))
        .contains("cluster.zookeeper")
        .contains("curl -X POST 'http://<node>/_berth/api/gc'")
        .contains("berth gc --dry-run")
        .contains("--i-know-the-index-is-complete")
        .doesNotContain("Exception");
    assertThat(present(orphan)).as("nothing deleted").isTrue();

    GcIT.Cli dry = GcIT.cli("gc", "-c", cfg.toString(), "--grace-minutes", "0", "--dry-run");
    assertThat(dry.exit()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("would delete " + orphan.digest() + " 555");
    assertThat(present(orphan)).isTrue();

    GcIT.Cli forced =
        GcIT.cli(
            "gc", "-c", cfg.toString(), "--grace-minutes", "0", "--i-know-the-index-is-complete");
    assertThat(forced.exit()).as(forced.err()).isZero();
    assertThat(forced.out()).contains("deleted " + orphan.digest() + " 555");
    assertThat(present(orphan)).isFalse();
  }

  @Test
  void withZooKeeperAndKafkaAStoppedNodesIndexIsNotCurrent() throws Exception {
    try (TestingServer zk = new TestingServer(true)) {
      // the CLI never connects to Kafka: a stopped node applies no events, whatever the address
      Path cfg =
          config(
              "cluster:\n  zookeeper: '"
                  + zk.getConnectString()
                  + "'\nevents:\n  kafkaBootstrap: '127.0.0.1:9'\n");
      StoredBlob orphan = orphan();
      GcIT.Cli refused = GcIT.cli("gc", "-c", cfg.toString(), "--grace-minutes", "0");
      assertThat(refused.exit()).as(refused.out()).isEqualTo(2);
      assertThat(refused.err())
          .contains("refusing to delete blobs")
          .contains("not applying the region change log")
          .contains("/_berth/api/gc");
      assertThat(present(orphan)).isTrue();
    }
  }
}
