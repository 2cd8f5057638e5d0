package io.berth.replicator.region;

import io.berth.common.ChangeEvents;
import io.berth.common.Digest;
import io.berth.proto.events.v1.ChangeEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A region in memory (blobs, fences, the region log), for unit tests of the link pipeline. It can
 * be taken down ({@link #down}) and can break source reads after some bytes ({@link
 * #breakReadsAfter}).
 */
public final class InMemoryRegionClient implements RegionClient {
  private final String region;
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Long> fences = new ConcurrentHashMap<>();
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  public final List<ChangeEvent> log = new CopyOnWriteArrayList<>();
  public final List<String> writes = new CopyOnWriteArrayList<>();
  public final List<String> calls = new CopyOnWriteArrayList<>();

  /** The bucket writes stated with the republish calls that succeeded, in order. */
  public final List<BucketWrite> statedWrites = new CopyOnWriteArrayList<>();

  /** {@link System#nanoTime()} of each call, in the order of {@link #calls}. */
  public final List<Long> callNanos = new CopyOnWriteArrayList<>();

  public volatile boolean down;
  private volatile long breakReadsAfter = -1;
  private volatile int breaksLeft;

  public InMemoryRegionClient(String region) {
    this.region = region;
  }

  /** Puts a blob into the region directly (as if published there). */
  public String put(byte[] content) {
    String d = digest(content);
    blobs.put(d, content.clone());
    return d;
  }

  public boolean has(String digest) {
    return blobs.containsKey(digest);
  }

  /** The size of a held blob. */
  public long blobSize(String digest) {
    return blobs.get(digest).length;
  }

  /** The next {@code times} reads fail after {@code bytes} bytes. */
  public void breakReadsAfter(long bytes, int times) {
    breakReadsAfter = bytes;
    breaksLeft = times;
  }

  public static String digest(byte[] b) {
    return Digest.of(Digest.Algorithm.SHA256, Digest.Algorithm.SHA256.newMessageDigest().digest(b))
        .toString();
  }

  private void up(String what) {
    callNanos.add(System.nanoTime());
    calls.add(what);
    if (down) {
      throw new RegionException.Unavailable(region + " is down", null);
    }
  }

  private void admit(Fence f) {
    if (f.link().isBlank() || f.epoch() < 0) {
      throw new RegionException.Rejected("no fence", null);
    }
    long highest = fences.merge(f.link(), f.epoch(), Math::max);
    if (highest > f.epoch()) {
      throw new RegionException.StaleFence(
          "stale epoch " + f.epoch() + " for " + f.link() + " (highest " + highest + ")", null);
    }
  }

  @Override
  public String region() {
    return region;
  }

  @Override
  public int beginTerm(Fence fence) {
    up("beginTerm");
    admit(fence);
    return 1;
  }

  @Override
  public List<String> missing(Collection<String> digests) {
    up("missing");
    return absent(digests);
  }

  private List<String> absent(Collection<String> digests) {
    List<String> out = new ArrayList<>();
    for (String d : digests) {
      Digest.parse(d);
      if (!blobs.containsKey(d)) {
        out.add(d);
      }
    }
    return out;
  }

  /** The content, read whole; {@link RegionException.Mismatch} unless it is {@code digest}. */
  private static byte[] readVerified(String digest, long size, InputStream content) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try {
      content.transferTo(got);
    } catch (IOException e) {
      throw new RegionException.Unavailable("source failed: " + e.getMessage(), e);
    }
    byte[] b = got.toByteArray();
    if (b.length != size || !digest(b).equals(digest)) {
      throw new RegionException.Mismatch("content does not match " + digest, null);
    }
    return b;
  }

  @Override
  public BlobStream openBlob(String digest, long offset) {
    up("openBlob");
    byte[] b = blobs.get(digest);
    if (b == null) {
      throw new RegionException.NoSuchBlob("no blob " + digest + " in " + region, null);
    }
    if (offset < 0 || offset > b.length) {
      throw new RegionException.Rejected("offset outside blob", null);
    }
    long breakAt = breaksLeft > 0 && breakReadsAfter >= 0 ? breakReadsAfter : -1;
    if (breakAt >= 0) {
      breaksLeft--;
    }
    InputStream in =
        new ByteArrayInputStream(b, (int) offset, b.length - (int) offset) {
          long readSoFar;

          @Override
          public synchronized int read(byte[] buf, int off, int len) {
            if (breakAt >= 0 && readSoFar >= breakAt) {
              throw new java.io.UncheckedIOException(new IOException("connection reset"));
            }
            int n =
                super.read(buf, off, breakAt >= 0 ? (int) Math.min(len, breakAt - readSoFar) : len);
            if (n > 0) {
              readSoFar += n;
            }
            return n;
          }
        };
    InputStream wrapped =
        new InputStream() {
          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            try {
              return in.read(buf, off, len);
            } catch (java.io.UncheckedIOException e) {
              throw e.getCause();
            }
          }
        };
    long size = b.length;
    return new BlobStream() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public InputStream stream() {
        return wrapped;
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public boolean writeBlob(Fence fence, String digest, long size, InputStream content) {
    up("writeBlob");
    admit(fence);
    if (blobs.containsKey(digest)) {
      return true;
    }
    byte[] b = readVerified(digest, size, content);
    admit(fence);
    blobs.put(digest, b);
    writes.add(digest);
    return false;
  }

  @Override
  public int republish(Fence fence, List<ChangeEvent> events, List<BucketWrite> written) {
    up("republish");
    admit(fence);
    List<ChangeEvent> fresh = new ArrayList<>();
    for (ChangeEvent e : events) {
      String id = e.getOriginRegion() + "/" + e.getOriginNode() + "#" + e.getSeq();
      if (held.contains(id)) {
        continue;
      }
      for (String d : ChangeEvents.requiredBlobs(e)) {
        if (!blobs.containsKey(d)) {
          throw new RegionException.MissingBlobs("event " + id + " needs " + d, null);
        }
      }
      fresh.add(e);
    }
    for (ChangeEvent e : fresh) {
      held.add(e.getOriginRegion() + "/" + e.getOriginNode() + "#" + e.getSeq());
      log.add(e);
    }
    statedWrites.addAll(written);
    return fresh.size();
  }

  /** Blobs written through {@link #bucket()}, in order. */
  public final List<String> bucketWrites = new CopyOnWriteArrayList<>();

  /** Whether the region's bucket fails every call (its nodes are {@link #down}). */
  public volatile boolean bucketDown;

  /**
   * The region's store seen as its bucket: written without the nodes (they may be {@link #down}),
   * with the bucket's contract (verified before visible; {@link #bucketDown} makes it unavailable).
   */
  public io.berth.replicator.bucket.TargetBucket bucket() {
    return new io.berth.replicator.bucket.TargetBucket() {
      @Override
      public String region() {
        return region;
      }

      @Override
      public List<String> missing(Collection<String> digests) {
        bucketUp();
        return absent(digests);
      }

      @Override
      public boolean writeBlob(String digest, long size, InputStream content) {
        bucketUp();
        try {
          Digest.parse(digest);
        } catch (IllegalArgumentException e) {
          throw new RegionException.Rejected("not a blob digest: " + digest, e);
        }
        if (blobs.containsKey(digest)) {
          return true;
        }
        blobs.put(digest, readVerified(digest, size, content));
        bucketWrites.add(digest);
        return false;
      }

      @Override
      public void close() {}
    };
  }

  private void bucketUp() {
    if (bucketDown) {
      throw new RegionException.Unavailable("the bucket of " + region + " is down", null);
    }
  }

  @Override
  public List<NodeState> nodes() {
    return List.of(new NodeState("memory:" + region, !down, down ? "down" : ""));
  }

  @Override
  public void close() {}
}
