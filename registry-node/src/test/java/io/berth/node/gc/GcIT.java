package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.cli.BerthCommand;
import io.berth.node.cluster.LocalLockJobOwner;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.file.FileBlobStore;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Garbage collection on a node: the admin endpoint's dry run lists what it would delete and how
 * many bytes, a real run deletes only unreferenced blobs, the local lock makes a second owner wait
 * (409), and {@code berth gc} works on the stopped node's data directory.
 */
class GcIT {
  static final String MOD = "corp.example.com/gc/kept";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private NodeConfig withGrace(NodeConfig c, long graceMinutes) {
    NodeConfig s = c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60));
    return s.withStorage(
        s.storage().withGc(new NodeConfig.GcSection(false, 1L, 0L, graceMinutes, false)));
  }

  @Test
  void dryRunThenSweepThenLockThenCli() throws Exception {
    Path data = tmp.resolve("node");
    StoredBlob orphan1;
    StoredBlob orphan2;
    try (NodeAssembly node = TestNodes.start(data, c -> withGrace(c, 0))) {
      String url = TestNodes.url(node);
      Path zip =
          GoModules.zip(
              tmp.resolve("zips"),
              MOD,
              "v1.0.0",
              Map.of("go.mod", "module " + MOD + "\n", "k.go", "package kept\n"));
      assertThat(
              Http.putFile(
                      url + "/_berth/api/go/publish/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip",
                      zip)
                  .statusCode())
          .isEqualTo(201);
      orphan1 =
          node.rawBlobStore().put(new ByteArrayInputStream(new byte[1000]), PutExpectation.any());
      orphan2 =
          node.rawBlobStore().put(new ByteArrayInputStream(new byte[2345]), PutExpectation.any());

      assertThat(Http.get(url + "/_berth/api/gc").statusCode()).isEqualTo(405);
      assertThat(Http.post(url + "/_berth/api/gc?dryRun=maybe").statusCode()).isEqualTo(400);

      var dry = Http.post(url + "/_berth/api/gc?dryRun=true");
      assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
      JsonNode d = JSON.readTree(dry.body());
      assertThat(d.get("dryRun").asBoolean()).isTrue();
      assertThat(d.get("deletedBlobs").asLong()).isEqualTo(2);
      assertThat(d.get("deletedBytes").asLong()).isEqualTo(3345);
      assertThat(d.get("deleted").findValuesAsText("digest"))
          .containsExactlyInAnyOrder(orphan1.digest().toString(), orphan2.digest().toString());
      assertThat(node.rawBlobStore().stat(orphan1.digest()))
          .as("dry run deletes nothing")
          .isPresent();

      var real = Http.post(url + "/_berth/api/gc");
      assertThat(real.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(real.body()).get("deletedBlobs").asLong()).isEqualTo(2);
      assertThat(node.rawBlobStore().stat(orphan1.digest())).isEmpty();
      assertThat(node.rawBlobStore().stat(orphan2.digest())).isEmpty();
      String goproxy = url + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0";
      assertThat(Http.getBytes(goproxy + ".zip").statusCode()).isEqualTo(200);
      assertThat(Http.get(goproxy + ".mod").statusCode()).isEqualTo(200);
      assertThat(Http.get(goproxy + ".info").statusCode()).isEqualTo(200);
      assertThat(Http.get(url + "/metrics").body()).contains("berth_gc_deleted_blobs_total 2.0");

      // another owner (a berth gc by hand) holds the lock: the node answers 409
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread other =
          new Thread(
              () -> {
                try (LocalLockJobOwner lock =
                    new LocalLockJobOwner(node.config().storage().blobDir().resolve("gc.lock"))) {
                  lock.runAsOwner(
                      Duration.ofSeconds(5),
                      stillOwner -> {
                        holding.countDown();
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        return null;
                      });
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      other.start();
      holding.await();
      var busy = Http.post(url + "/_berth/api/gc");
      release.countDown();
      other.join();
      assertThat(busy.statusCode()).isEqualTo(409);
      assertThat(busy.body()).contains("lock file");

      // berth gc while the node runs: a clear message pointing at the admin endpoint
      Cli running = cli("gc", "--data-dir", data.toString(), "--dry-run");
      assertThat(running.exit).isEqualTo(2);
      assertThat(running.err).contains("POST").contains("/_berth/api/gc");
    }

    // the node is stopped: berth gc on its data directory
    StoredBlob orphan3;
    try (FileBlobStore blobs = new FileBlobStore(data.resolve("blobs"))) {
      orphan3 = blobs.put(new ByteArrayInputStream(new byte[777]), PutExpectation.any());
    }
    Cli dryCli = cli("gc", "--data-dir", data.toString(), "--dry-run", "--grace-minutes", "0");
    assertThat(dryCli.exit).as(dryCli.err).isZero();
    assertThat(dryCli.out)
        .contains("would delete " + orphan3.digest() + " 777")
        .contains("would delete 1 unreferenced blobs (777 bytes)");
    Cli keep = cli("gc", "--data-dir", data.toString());
    assertThat(keep.exit).isZero();
    assertThat(keep.out)
        .as("default grace keeps a fresh orphan")
        .contains("deleted 0 unreferenced");
    Cli sweep = cli("gc", "--data-dir", data.toString(), "--grace-minutes", "0", "--json");
    assertThat(sweep.exit).as(sweep.err).isZero();
    assertThat(JSON.readTree(sweep.out).get("deletedBlobs").asLong()).isEqualTo(1);
    try (FileBlobStore blobs = new FileBlobStore(data.resolve("blobs"))) {
      assertThat(blobs.stat(orphan3.digest())).isEmpty();
      int[] left = {0};
      blobs.forEach(b -> left[0]++);
      assertThat(left[0]).as("the module's zip, mod and info").isEqualTo(3);
    }
    assertThat(Digest.isValid(orphan1.digest().toString())).isTrue();
  }

  record Cli(int exit, String out, String err) {}

  static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = BerthCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Cli(exit, out.toString(), err.toString());
  }
}
