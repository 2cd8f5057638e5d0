package io.berth.node.oci;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksOciIndex;
import io.berth.node.storage.BlobStore;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 the node (its own JVM) in the middle of a chunked upload and while manifests are being
 * pushed, then restart it: the upload resumes from its last acknowledged chunk (the half-written
 * chunk is truncated away) or is cleanly unknown, every manifest acknowledged before the kill is
 * served, and no index entry names a blob that is not stored.
 */
class OciCrashSafetyIT {
  @TempDir Path tmp;

  /** Storage under test (servers it starts keep their files under {@code dir}). */
  protected StorageUnderTest storage(Path dir) throws Exception {
    return StorageUnderTest.file();
  }

  @Test
  void killDuringAChunkedUploadAndManifestPushesLeavesAConsistentResumableState() throws Exception {
    try (StorageUnderTest storage = storage(tmp.resolve("s3"))) {
      killDuringAChunkedUploadAndManifestPushes(storage);
    }
  }

  private void killDuringAChunkedUploadAndManifestPushes(StorageUnderTest storage)
      throws Exception {
    Path data = tmp.resolve("data");
    Path log = tmp.resolve("node.log");
    byte[] blob = OciImages.random(3 << 20, 11);
    int chunk = 1 << 20;
    Digest blobDigest = Digest.sha256(blob);
    Image base = OciImages.image(false, "amd64", 2, 50_000, 12);
    Map<String, Blob> acknowledged = new ConcurrentHashMap<>();
    String loc;

    NodeProcess node = NodeProcess.start(data, storage.env(), log);
    try {
      OciClient oci = new OciClient(node.url());
      for (Blob b : base.blobs()) {
        oci.pushBlob("crash/app", b.bytes());
      }
      loc = oci.send("POST", "/v2/crash/up/blobs/uploads/", null, Map.of()).header("Location");
      Response p1 =
          oci.send(
              "PATCH",
              loc,
              Arrays.copyOfRange(blob, 0, chunk),
              headers("Content-Range", "0-" + (chunk - 1)));
      assertThat(p1.status()).isEqualTo(202);
      String id = loc.substring(loc.lastIndexOf('/') + 1);
      Path uploadFile = data.resolve("oci-uploads").resolve(id);

      AtomicBoolean stop = new AtomicBoolean();
      Thread pusher =
          new Thread(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  Blob m = manifest(base, i);
                  try {
                    Response r = oci.putManifest("crash/app", "t" + i, m.mediaType(), m.bytes());
                    if (r.status() == 201) {
                      acknowledged.put("t" + i, m);
                    }
                  } catch (UncheckedIOException e) {
                    return;
                  }
                }
              });
      pusher.start();

      Socket half = new Socket("127.0.0.1", node.port());
      OutputStream out = half.getOutputStream();
      out.write(
          ("PATCH "
                  + loc
                  + " HTTP/1.1\r\nHost: x\r\nContent-Range: "
                  + chunk
                  + "-"
                  + (2 * chunk - 1)
                  + "\r\nContent-Length: "
                  + chunk
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(blob, chunk, chunk / 2);
      out.flush();
      for (int i = 0; i < 500 && Files.size(uploadFile) <= chunk; i++) {
        Thread.sleep(20);
      }
      assertThat(Files.size(uploadFile))
          .as("half of chunk 2 reached the file")
          .isGreaterThan(chunk);
      for (int i = 0; i < 3000 && acknowledged.size() < 5 && pusher.isAlive(); i++) {
        Thread.sleep(20);
      }
      assertThat(acknowledged).as("manifest pushes before the kill").hasSizeGreaterThanOrEqualTo(5);
      Blob pending = manifest(base, -1);
      Socket halfManifest = new Socket("127.0.0.1", node.port());
      OutputStream mout = halfManifest.getOutputStream();
      mout.write(
          ("PUT /v2/crash/app/manifests/pending HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  + OciImages.OCI_MANIFEST
                  + "\r\nContent-Length: "
                  + pending.size()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      mout.write(pending.bytes(), 0, pending.bytes().length / 2);
      mout.flush();
      Thread.sleep(200);
      node.kill9();
      stop.set(true);
      pusher.join(30_000);
      half.close();
      halfManifest.close();
    } finally {
      node.close();
    }

    assertIndexConsistent(storage, data);
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(5);

    NodeProcess again = NodeProcess.start(data, storage.env(), log);
    try {
      OciClient oci = new OciClient(again.url());
      for (Map.Entry<String, Blob> e : acknowledged.entrySet()) {
        Response r = oci.get("/v2/crash/app/manifests/" + e.getKey());
        assertThat(r.status()).as("acknowledged push " + e.getKey()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(e.getValue().bytes());
      }
      Response unfinished = oci.get("/v2/crash/app/manifests/pending");
      assertThat(unfinished.status()).as("a manifest PUT cut by the kill").isEqualTo(404);
      assertThat(unfinished.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
      Response status = oci.get(loc);
      // chunk 1 was acknowledged only after its bytes and the session record were synced, so the
      // session must survive (BLOB_UPLOAD_UNKNOWN would be allowed by the spec, not by Berth)
      assertThat(status.status()).as(status.toString()).isEqualTo(204);
      assertThat(status.header("Range"))
          .as("resumes after the last acknowledged chunk")
          .isEqualTo("0-" + (chunk - 1));
      Response p2 =
          oci.send(
              "PATCH",
              loc,
              Arrays.copyOfRange(blob, chunk, 2 * chunk),
              headers("Content-Range", chunk + "-" + (2 * chunk - 1)));
      assertThat(p2.status()).as(p2.toString()).isEqualTo(202);
      Response put =
          oci.send(
              "PUT",
              loc + "?digest=" + blobDigest,
              Arrays.copyOfRange(blob, 2 * chunk, blob.length),
              headers("Content-Range", 2 * chunk + "-" + (blob.length - 1)));
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      Response get = oci.get("/v2/crash/up/blobs/" + blobDigest);
      assertThat(Digest.sha256(get.body())).isEqualTo(blobDigest);
      Blob m = manifest(base, 100_000);
      assertThat(oci.putManifest("crash/app", "after", m.mediaType(), m.bytes()).status())
          .isEqualTo(201);
    } finally {
      again.stop();
    }
    assertIndexConsistent(storage, data);
    try (BlobStore blobs = storage.openStore(data, "checker")) {
      assertThat(storage.leftovers(blobs, data)).as("left in the blob store").isEmpty();
    }
  }

  private static Blob manifest(Image base, int i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", OciImages.OCI_MANIFEST);
    m.put("config", base.config().descriptor());
    m.put("layers", base.layers().stream().map(Blob::descriptor).toList());
    m.put("annotations", Map.of("n", Integer.toString(i), "pad", "p".repeat(20_000)));
    return new Blob(OciImages.OCI_MANIFEST, OciImages.json(m));
  }

  /** Every live manifest's bytes and referenced blobs, every tag's manifest, every link's blob. */
  private static void assertIndexConsistent(StorageUnderTest storage, Path data) {
    List<String> dangling = new ArrayList<>();
    try (BlobStore blobs = storage.openStore(data, "checker");
        RocksIndexStore store = new RocksIndexStore(data.resolve("index"))) {
      RocksOciIndex index = new RocksOciIndex(store, new RocksChangeLog(store, "n", "r", 60_000));
      index.forEachManifest(
          m -> {
            if (blobs.stat(Digest.parse(m.getDigest())).isEmpty()) {
              dangling.add("manifest bytes " + m.getDigest());
            }
            for (String d : m.getReferencedDigestsList()) {
              if (blobs.stat(Digest.parse(d)).isEmpty()) {
                dangling.add(m.getDigest() + " -> " + d);
              }
            }
          });
      index.forEachTag(
          t -> {
            if (index
                .manifest(
                    io.berth.common.RepositoryName.parse(t.getRepository()),
                    Digest.parse(t.getDigest()))
                .isEmpty()) {
              dangling.add("tag " + t.getTag() + " -> " + t.getDigest());
            }
          });
      index.forEachBlobLink(
          l -> {
            if (blobs.stat(Digest.parse(l.getDigest())).isEmpty()) {
              dangling.add("link " + l.getRepository() + " -> " + l.getDigest());
            }
          });
    }
    assertThat(dangling).as("index entries naming missing content").isEmpty();
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }
}
