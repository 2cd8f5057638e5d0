package io.berth.node.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Builds OCI/Docker test images by hand: gzip'd tar layers, image configs, manifests, indexes and
 * OCI image layout directories ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}).
 */
public final class OciImages {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

  private static final ObjectMapper JSON = new ObjectMapper();

  private OciImages() {}

  /** A blob with its media type. */
  public record Blob(String mediaType, byte[] bytes) {
    public Digest digest() {
      return Digest.sha256(bytes);
    }

    public long size() {
      return bytes.length;
    }

    /** Its descriptor as a JSON map. */
    public Map<String, Object> descriptor() {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("mediaType", mediaType);
      d.put("digest", digest().toString());
      d.put("size", size());
      return d;
    }
  }

  /** An image: its manifest, config and layers. */
  public record Image(Blob manifest, Blob config, List<Blob> layers) {
    public List<Blob> blobs() {
      List<Blob> all = new ArrayList<>(layers);
      all.add(config);
      return all;
    }
  }

  /** Random bytes, reproducible by seed. */
  public static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A gzip'd tar holding {@code files} (name to content). */
  public static byte[] tarGz(Map<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(tar(files));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** An uncompressed ustar archive. */
  public static byte[] tar(Map<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      byte[] h = new byte[512];
      put(h, 0, f.getKey(), 100);
      put(h, 100, "0000644", 8);
      put(h, 108, "0000000", 8);
      put(h, 116, "0000000", 8);
      put(h, 124, String.format("%011o", f.getValue().length), 12);
      put(h, 136, String.format("%011o", 1_700_000_000L), 12);
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      h[156] = '0';
      put(h, 257, "ustar", 6);
      h[263] = '0';
      h[264] = '0';
      put(h, 265, "root", 32);
      put(h, 297, "root", 32);
      int sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum), 7);
      h[155] = ' ';
      out.writeBytes(h);
      out.writeBytes(f.getValue());
      int pad = (512 - f.getValue().length % 512) % 512;
      out.writeBytes(new byte[pad]);
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static void put(byte[] h, int off, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, Math.min(b.length, max));
  }

  /**
   * An image with {@code layerCount} gzip'd tar layers of about {@code layerSize} random bytes
   * each, in OCI or Docker schema2 format.
   */
  public static Image image(boolean docker, String arch, int layerCount, int layerSize, long seed) {
    List<Blob> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (int i = 0; i < layerCount; i++) {
      byte[] tar =
          tar(Map.of("layer" + i + "/data-" + arch + ".bin", random(layerSize, seed * 31 + i)));
      diffIds.add(Digest.sha256(tar).toString());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(tar);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      layers.add(new Blob(docker ? DOCKER_LAYER : OCI_LAYER, out.toByteArray()));
    }
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("created", "2024-01-02T03:04:05Z");
    cfg.put("architecture", arch);
    cfg.put("os", "linux");
    cfg.put("config", Map.of("Env", List.of("SEED=" + seed)));
    cfg.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
    Blob config = new Blob(docker ? DOCKER_CONFIG : OCI_CONFIG, json(cfg));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", docker ? DOCKER_MANIFEST : OCI_MANIFEST);
    m.put("config", config.descriptor());
    m.put("layers", layers.stream().map(Blob::descriptor).toList());
    return new Image(new Blob(docker ? DOCKER_MANIFEST : OCI_MANIFEST, json(m)), config, layers);
  }

  /** An OCI image manifest naming {@code config} and {@code layers}. */
  public static Blob manifest(Blob config, List<Blob> layers) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", OCI_MANIFEST);
    m.put("config", config.descriptor());
    m.put("layers", layers.stream().map(Blob::descriptor).toList());
    return new Blob(OCI_MANIFEST, json(m));
  }

  /** An index (OCI) or manifest list (Docker) of {@code images}, one platform each. */
  public static Blob index(boolean docker, List<Image> images, List<String> archs) {
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      Map<String, Object> d = images.get(i).manifest().descriptor();
      d.put("platform", Map.of("architecture", archs.get(i), "os", "linux"));
      manifests.add(d);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", docker ? DOCKER_LIST : OCI_INDEX);
    m.put("manifests", manifests);
    return new Blob(docker ? DOCKER_LIST : OCI_INDEX, json(m));
  }

  /** JSON bytes of a map. */
  public static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes an OCI image layout directory holding {@code blobs} and an {@code index.json} naming
   * {@code top} with the ref name {@code tag}.
   */
  public static void writeLayout(Path dir, List<Blob> blobs, Blob top, String tag)
      throws IOException {
    Path sha = dir.resolve("blobs/sha256");
    Files.createDirectories(sha);
    for (Blob b : blobs) {
      Files.write(sha.resolve(b.digest().hex()), b.bytes());
    }
    Files.write(sha.resolve(top.digest().hex()), top.bytes());
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Map<String, Object> d = top.descriptor();
    d.put("annotations", Map.of("org.opencontainers.image.ref.name", tag));
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", OCI_INDEX);
    index.put("manifests", List.of(d));
    Files.write(dir.resolve("index.json"), json(index));
  }
}
