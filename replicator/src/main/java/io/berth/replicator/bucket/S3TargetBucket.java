package io.berth.replicator.bucket;

import io.berth.common.BlobKeys;
import io.berth.common.Digest;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.region.RegionException;
import io.minio.MinioAsyncClient;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TargetBucket} on an S3-compatible bucket, through the MinIO client, in the layout of the
 * node's S3 blob store ({@link BlobKeys}).
 *
 * <p>A blob of up to one part ({@value #PART_SIZE} bytes) is read into a buffer of its size, hashed
 * and, if it matches, written with one PUT. A larger blob is a multipart upload to its final key,
 * one part at a time through one part buffer, completed only after the whole content hashed to the
 * digest; otherwise the upload is aborted, so an unverified object never becomes visible. Buffers
 * come from one budget ({@code bufferBytes}), so concurrent writes never hold more than that.
 */
public final class S3TargetBucket implements TargetBucket {
  private static final Logger log = LoggerFactory.getLogger(S3TargetBucket.class);

  /** The part size of a multipart upload, and the largest blob written with one PUT. */
  static final int PART_SIZE = 8 << 20;

  private final String regionName;
  private final String bucket;
  private final String s3Region;
  private final String prefix;
  private final OkHttpClient http;
  private final BucketClient client;
  private final Semaphore budgetKib;

  /**
   * @param region the Berth region whose bucket this is (for messages)
   * @param config where the bucket is and how to sign requests
   * @param bufferBytes the most blob content held in memory at once (at least one part)
   */
  public S3TargetBucket(String region, ReplicatorConfig.BucketSection config, long bufferBytes) {
    this.regionName = region;
    this.bucket = config.bucket();
    this.s3Region = config.region();
    this.prefix = BlobKeys.normalizePrefix(config.prefix());
    okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
    // the default of 5 requests per host would serialize a link's concurrent copies
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(256);
    this.http =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectTimeout(Duration.ofSeconds(5))
            .readTimeout(Duration.ofSeconds(60))
            .writeTimeout(Duration.ofSeconds(60))
            .build();
    this.client =
        new BucketClient(
            MinioAsyncClient.builder()
                .endpoint(config.endpoint())
                .region(config.region())
                .credentials(config.accessKey(), config.secretKey())
                .httpClient(http, true)
                .build());
    this.budgetKib =
        new Semaphore((int) Math.max(PART_SIZE >> 10, Math.min(1L << 30, bufferBytes) >> 10), true);
  }

  @Override
  public String region() {
    return regionName;
  }

  @Override
  public List<String> missing(Collection<String> digests) {
    List<String> asked = new ArrayList<>(digests);
    List<CompletableFuture<Boolean>> present = new ArrayList<>();
    for (String d : asked) {
      present.add(exists(key(d)));
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < asked.size(); i++) {
      if (!join(present.get(i), "stat " + asked.get(i))) {
        out.add(asked.get(i));
      }
    }
    return out;
  }

  @Override
  public boolean writeBlob(String digest, long size, InputStream content) {
    Digest expected = parse(digest);
    if (size < 0) {
      throw new RegionException.Rejected("negative size " + size + " for " + digest, null);
    }
    String key = BlobKeys.blob(prefix, expected);
    if (join(exists(key), "stat " + key)) {
      return true;
    }
    int buffer = (int) Math.min(size, PART_SIZE);
    // at most one part: the budget holds at least that
    int kib = Math.max(1, (buffer + 1023) >> 10);
    try {
      budgetKib.acquire(kib);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegionException.Unavailable("interrupted while waiting for a buffer", e);
    }
    try {
      byte[] buf = new byte[buffer];
      MessageDigest md = expected.algorithm().newMessageDigest();
      if (size <= PART_SIZE) {
        readFully(content, buf, buffer, digest);
        md.update(buf, 0, buffer);
        verify(md, expected, digest);
        join(start(() -> client.put(bucket, s3Region, key, buf, buffer)), "put " + key);
      } else {
        multipart(key, size, content, buf, md, expected, digest);
      }
      return false;
    } finally {
      budgetKib.release(kib);
    }
  }

  private void multipart(
      String key,
      long size,
      InputStream content,
      byte[] buf,
      MessageDigest md,
      Digest expected,
      String digest) {
    String uploadId =
        join(start(() -> client.startUpload(bucket, s3Region, key)), "start upload " + key)
            .result()
            .uploadId();
    boolean completed = false;
    try {
      List<Part> parts = new ArrayList<>();
      long sent = 0;
      while (sent < size) {
        int len = (int) Math.min(buf.length, size - sent);
        readFully(content, buf, len, digest);
        md.update(buf, 0, len);
        int number = parts.size() + 1;
        String etag =
            join(
                    start(
                        () -> client.uploadPart(bucket, s3Region, key, buf, len, uploadId, number)),
                    "upload part " + number + " of " + key)
                .etag();
        parts.add(new Part(number, etag));
        sent += len;
      }
      verify(md, expected, digest);
      Part[] done = parts.toArray(new Part[0]);
      join(
          start(() -> client.completeUpload(bucket, s3Region, key, uploadId, done)),
          "complete upload " + key);
      completed = true;
    } finally {
      if (!completed) {
        abort(key, uploadId);
      }
    }
  }

  private void abort(String key, String uploadId) {
    try {
      start(() -> client.abortUpload(bucket, s3Region, key, uploadId)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("cannot abort multipart upload {} of {}: {}", uploadId, key, e.toString());
    }
  }

  private static void verify(MessageDigest md, Digest expected, String digest) {
    Digest actual = Digest.of(expected.algorithm(), md.digest());
    if (!actual.equals(expected)) {
      throw new RegionException.Mismatch(
          "content of " + digest + " hashes to " + actual + "; nothing stored", null);
    }
  }

  private static void readFully(InputStream in, byte[] buf, int len, String digest) {
    int off = 0;
    try {
      while (off < len) {
        int n = in.read(buf, off, len - off);
        if (n < 0) {
          throw new RegionException.Mismatch(
              "content of " + digest + " ended early; nothing stored", null);
        }
        off += n;
      }
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new RegionException.Unavailable("interrupted while reading " + digest, e);
    } catch (IOException e) {
      throw new RegionException.Unavailable(
          "cannot read the source of " + digest + ": " + e.getMessage(), e);
    }
  }

  private String key(String digest) {
    return BlobKeys.blob(prefix, parse(digest));
  }

  private static Digest parse(String digest) {
    try {
      return Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      throw new RegionException.Rejected("not a blob digest: " + digest, e);
    }
  }

  private CompletableFuture<Boolean> exists(String key) {
    return start(
            () -> client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()))
        .handle(
            (r, e) -> {
              if (e == null) {
                return true;
              }
              Throwable c = unwrap(e);
              if (c instanceof ErrorResponseException er
                  && (er.errorResponse().code().equals("NoSuchKey")
                      || er.response().code() == 404)) {
                return false;
              }
              throw new java.util.concurrent.CompletionException(c);
            });
  }

  /** The failure inside the wrappers futures add. */
  private static Throwable unwrap(Throwable e) {
    Throwable c = e;
    while ((c instanceof java.util.concurrent.CompletionException
            || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  @FunctionalInterface
  private interface Call<T> {
    CompletableFuture<T> run() throws Exception;
  }

  private static <T> CompletableFuture<T> start(Call<T> call) {
    try {
      return call.run();
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private <T> T join(CompletableFuture<T> f, String what) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new RegionException.Unavailable(
          what + " in the bucket of " + regionName + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = unwrap(e);
      throw new RegionException.Unavailable(
          what + " in bucket " + bucket + " of " + regionName + " failed: " + c, c);
    }
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
