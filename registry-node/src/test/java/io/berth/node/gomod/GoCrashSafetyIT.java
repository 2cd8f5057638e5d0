package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.storage.file.FileBlobStore;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.StaticGoProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 the node during a publish and during a pull-through store, then restart it: leftover
 * temporary files are removed at start, no index entry points at a missing blob, and the same
 * operations then succeed.
 */
class GoCrashSafetyIT {
  static final String MOD = "example.com/crash/mod";

  @TempDir Path tmp;

  @Test
  void killDuringPublishAndDuringPullThroughLeavesAConsistentStore() throws Exception {
    Path tree = tmp.resolve("tree");
    StringBuilder noise = new StringBuilder();
    Random rnd = new Random(42);
    for (int i = 0; i < 60_000; i++) {
      noise.append(Long.toHexString(rnd.nextLong()));
    }
    GoModules.addToTree(
        tree,
        MOD,
        "v1.0.0",
        Map.of("go.mod", "module " + MOD + "\n", "n.go", "package mod\n// " + noise + "\n"));
    Path data = tmp.resolve("data");
    Path log = tmp.resolve("node.log");
    try (StaticGoProxy upstream = new StaticGoProxy(tree)) {
      Map<String, String> env = Map.of("BERTH_GO_UPSTREAMS", upstream.url());
      NodeProcess node = NodeProcess.start(data, env, log);
      try {
        // 1. a publish whose body is half sent when the node dies
        Socket upload = new Socket("127.0.0.1", node.port());
        OutputStream out = upload.getOutputStream();
        out.write(
            ("PUT /_berth/api/go/publish/example.com/crash/pub/@v/v1.0.0.zip HTTP/1.1\r\n"
                    + "Host: x\r\nContent-Length: 4000000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[1_000_000]);
        out.flush();
        awaitFiles(data.resolve("work"));

        // 2. a pull-through miss that is being stored when the node dies
        upstream.throttle(100_000);
        String zipUrl = node.url() + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip";
        CompletableFuture<?> pull =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    Http.getBytes(zipUrl);
                  } catch (IOException | InterruptedException e) {
                    // expected: the node dies mid-response
                  }
                });
        awaitFiles(data.resolve("blobs/tmp/crash-node"));
        node.kill9();
        upload.close();
        pull.handle((v, e) -> null).get();
      } finally {
        node.close();
      }
      assertThat(listFiles(data.resolve("blobs/tmp/crash-node")))
          .as("temp blob left by the kill")
          .isNotEmpty();
      assertThat(listFiles(data.resolve("work"))).as("publish file left by the kill").isNotEmpty();
      assertIndexConsistent(data);

      upstream.throttle(0);
      NodeProcess again = NodeProcess.start(data, env, log);
      try {
        assertThat(listFiles(data.resolve("blobs/tmp/crash-node")))
            .as("temp blobs cleaned at start")
            .isEmpty();
        assertThat(listFiles(data.resolve("work"))).as("publish files cleaned at start").isEmpty();
        var zip = Http.getBytes(again.url() + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip");
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.body())
            .isEqualTo(Files.readAllBytes(tree.resolve(ModulePath.escape(MOD) + "/@v/v1.0.0.zip")));
        Path pub =
            GoModules.zip(
                tmp.resolve("z"),
                "example.com/crash/pub",
                "v1.0.0",
                Map.of("go.mod", "module example.com/crash/pub\n"));
        var put =
            Http.putFile(
                again.url() + "/_berth/api/go/publish/example.com/crash/pub/@v/v1.0.0.zip", pub);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
      } finally {
        again.stop();
      }
      assertIndexConsistent(data);
    }
  }

  private static void assertIndexConsistent(Path data) {
    FileBlobStore blobs = new FileBlobStore(data.resolve("blobs"), "checker");
    List<String> dangling = new ArrayList<>();
    try (RocksIndexStore store = new RocksIndexStore(data.resolve("index"))) {
      new RocksModuleIndex(store, new RocksChangeLog(store, "n1", "r1", 60_000))
          .forEachVersion(
              r -> {
                for (String d : List.of(r.getInfoDigest(), r.getModDigest(), r.getZipDigest())) {
                  if (!d.isEmpty() && blobs.stat(Digest.parse(d)).isEmpty()) {
                    dangling.add(r.getModulePath() + "@" + r.getVersion() + " -> " + d);
                  }
                }
              });
    }
    assertThat(dangling).as("index entries pointing at missing blobs").isEmpty();
  }

  private static void awaitFiles(Path dir) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (!listFiles(dir).isEmpty()) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no file appeared in " + dir);
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
