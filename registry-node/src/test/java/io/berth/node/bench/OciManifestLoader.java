package io.berth.node.bench;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.OciIndex;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksOciIndex;
import io.berth.node.oci.ManifestParser;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.file.FileBlobStore;
import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Fills a stopped node's data directory with {@code repos} OCI repositories of {@code tags} tags
 * each for {@code bench/oci-manifest-get.sh}, through the node's own index API (the same {@code
 * ManifestParser} record and {@code OciIndex.putManifest} path as a manifest PUT, so the index
 * looks exactly as if the manifests had been pushed) — pushing 100k manifests over HTTP one synced
 * write at a time takes too long for a benchmark setup. Every tag names its own manifest (distinct
 * digests). It also writes the request paths by tag and by digest for wrk, and optionally the same
 * manifests as static files for nginx.
 *
 * <pre>
 * java -cp berth-node-tests.jar:berth-node.jar io.berth.node.bench.OciManifestLoader \
 *   DATA_DIR NODE_ID REGION REPOS TAGS TAG_PATHS DIGEST_PATHS [STATIC_ROOT]
 * </pre>
 */
public final class OciManifestLoader {
  private OciManifestLoader() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 7) {
      System.err.println(
          "usage: OciManifestLoader DATA_DIR NODE_ID REGION REPOS TAGS TAG_PATHS DIGEST_PATHS"
              + " [STATIC_ROOT]");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    String node = args[1];
    String region = args[2];
    int repos = Integer.parseInt(args[3]);
    int tags = Integer.parseInt(args[4]);
    Path tagPaths = Path.of(args[5]);
    Path digestPaths = Path.of(args[6]);
    Path staticRoot = args.length > 7 ? Path.of(args[7]) : null;
    long start = System.nanoTime();
    try (FileBlobStore blobs = new FileBlobStore(data.resolve("blobs"), node);
        RocksIndexStore store = new RocksIndexStore(data.resolve("index"));
        BufferedWriter byTag = Files.newBufferedWriter(tagPaths);
        BufferedWriter byDigest = Files.newBufferedWriter(digestPaths)) {
      RocksChangeLog log = new RocksChangeLog(store, node, region, 60_000);
      OciIndex index = new RocksOciIndex(store, log);
      log.addApplier(((RocksOciIndex) index)::applyRemote);
      byte[] config =
          "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
              .getBytes(StandardCharsets.UTF_8);
      byte[] layer = "berth benchmark layer\n".getBytes(StandardCharsets.UTF_8);
      StoredBlob c = blobs.put(new ByteArrayInputStream(config), PutExpectation.any());
      StoredBlob l = blobs.put(new ByteArrayInputStream(layer), PutExpectation.any());
      for (int r = 0; r < repos; r++) {
        RepositoryName repo = RepositoryName.parse(String.format("bench/r%05d", r));
        index.linkBlob(repo, c.digest(), c.size());
        index.linkBlob(repo, l.digest(), l.size());
        for (int t = 0; t < tags; t++) {
          byte[] m = manifest(c, l, repo.value(), t);
          Digest d = Digest.sha256(m);
          ManifestParser.Parsed parsed = ManifestParser.parse(m, ManifestParser.OCI_MANIFEST);
          StoredBlob stored =
              blobs.put(new ByteArrayInputStream(m), PutExpectation.digest(d).withSize(m.length));
          Tag tag = Tag.parse("t" + t);
          index.putManifest(
              new OciIndex.ManifestWrite(
                  parsed.record(repo, d, stored.size(), System.currentTimeMillis()),
                  Optional.of(tag),
                  parsed.requiredBlobs(),
                  List.of()));
          String base = "/v2/" + repo + "/manifests/";
          byTag.write(base + tag.value() + "\n");
          byDigest.write(base + d + "\n");
          if (staticRoot != null) {
            Path dir = staticRoot.resolve("v2").resolve(repo.value()).resolve("manifests");
            Files.createDirectories(dir);
            Files.write(dir.resolve(tag.value()), m);
            Files.write(dir.resolve(d.toString()), m);
          }
        }
        if ((r + 1) % 1000 == 0) {
          System.err.printf(
              "loaded %d repositories (%d manifests) in %.1f s%n",
              r + 1, (r + 1L) * tags, (System.nanoTime() - start) / 1e9);
        }
      }
    }
    System.err.printf(
        "loaded %d manifests in %.1f s%n", (long) repos * tags, (System.nanoTime() - start) / 1e9);
  }

  private static byte[] manifest(StoredBlob config, StoredBlob layer, String repo, int tag) {
    return ("{\"schemaVersion\":2,\"mediaType\":\""
            + ManifestParser.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + config.digest()
            + "\",\"size\":"
            + config.size()
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
            + "\"digest\":\""
            + layer.digest()
            + "\",\"size\":"
            + layer.size()
            + "}],\"annotations\":{\"org.example.bench\":\""
            + repo
            + ":t"
            + tag
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
