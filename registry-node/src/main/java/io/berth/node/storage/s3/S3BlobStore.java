package io.berth.node.storage.s3;

import io.berth.common.BlobKeys;
import io.berth.common.Digest;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageBusyException;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.minio.BucketExistsArgs;
import io.minio.ComposeObjectArgs;
import io.minio.ComposeSource;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.Directive;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.http.Method;
import io.minio.messages.Item;
import io.minio.messages.Part;
import io.minio.messages.Upload;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlobStore} in an S3-compatible bucket (MinIO, Ceph, AWS S3, S3Proxy), addressed
 * path-style through the MinIO Java SDK.
 *
 * <p>Keys (below the configured prefix): {@code blobs/<alg>/<hex>} for live blobs, {@code
 * tmp/<writerId>/<uuid>} for uploads whose digest is not known in advance, {@code
 * quarantine/<alg>/<hex>.<uuid>} for blobs scrub found corrupt.
 *
 * <p>A put hashes while streaming. A blob that fits in one part is verified in memory and written
 * with one PUT to its final key; its buffer is as large as its declared size (or, undeclared,
 * starts at 16 KiB and grows), never a whole part for a small blob. A larger blob is uploaded as a
 * multipart upload of {@code partSizeBytes} parts, at most {@code maxPartsInFlight} uploading at
 * once. Every buffer above 256 KiB is leased from one budget of the store ({@link PartBuffers},
 * {@code maxBufferBytes}), so concurrent puts together never hold more than that: a put that finds
 * the budget used up waits at most {@code bufferWaitMillis} and then fails with a {@link
 * StorageBusyException} (503 + Retry-After for clients). When the expected digest is known the
 * upload targets the final key and is completed only after the hash matched, so the object never
 * becomes visible unverified (if the final key already exists, the content is only verified and the
 * object touched); otherwise it goes to a temporary key, and is copied server-side to the final key
 * after verification, then the temporary object is deleted. Any failure aborts the multipart upload
 * and deletes the temporary object. See ADR 0007.
 *
 * <p>Every request is retried on transient failures (I/O errors, 5xx) with exponential backoff, a
 * bounded number of times; then a {@link StorageException} is thrown. A listing that fails between
 * pages resumes after the last key it visited.
 */
public final class S3BlobStore implements BlobStore {
  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);
  private static final long MAX_COPY = 5L << 30;
  private static final String TOUCH_META = "berth-touched";

  /** Head buffers up to this size are plain arrays, not counted against the budget. */
  private static final int SMALL = 256 << 10;

  /** The first head buffer of a put whose size is not declared (it doubles up to SMALL). */
  private static final int FIRST = 16 << 10;

  private final ByteArrayS3Client client;
  private final OkHttpClient http;
  private final String bucket;
  private final String region;
  private final String prefix;
  private final String writerId;
  private final int partSize;
  private final int maxPartsInFlight;
  private final long timeoutSeconds;
  private final long incompleteMaxAgeMillis;
  private final long presignMinBytes;
  private final int presignExpirySeconds;
  private final Retry retry;
  private final PartBuffers buffers;
  private volatile boolean stubServer;
  private final com.github.benmanes.caffeine.cache.Cache<Digest, Long> sizes =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumSize(200_000)
          .expireAfterWrite(Duration.ofSeconds(30))
          .build();
  private final ExecutorService uploads;
  private final java.util.concurrent.ScheduledExecutorService janitor;
  private final java.util.Queue<Leftover> leftovers =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final AtomicInteger threads = new AtomicInteger();

  /**
   * A store for {@code config}'s bucket. Creates the bucket when missing and {@code createBucket}
   * is set; a bucket that cannot be reached at construction is not an error (readiness reports it).
   */
  public S3BlobStore(NodeConfig.S3Section config, String writerId) {
    this.bucket = config.bucket();
    this.region = config.region();
    this.prefix = BlobKeys.normalizePrefix(config.prefix());
    this.writerId = writerId;
    this.partSize = (int) Math.min(config.partSizeBytes(), 512L << 20);
    this.maxPartsInFlight = config.maxPartsInFlight();
    this.timeoutSeconds = config.requestTimeoutSeconds();
    this.incompleteMaxAgeMillis = config.incompleteUploadMaxAgeMinutes() * 60_000;
    this.presignMinBytes = config.presignedRedirectMinBytes();
    this.presignExpirySeconds = (int) Math.min(7 * 24 * 3600, config.presignedExpirySeconds());
    this.buffers =
        new PartBuffers(
            config.bufferBudget(Runtime.getRuntime().maxMemory()),
            config.bufferWaitMillis(),
            partSize);
    String access = config.accessKey();
    String secret = config.secretKey();
    if (access.isEmpty()) {
      access = System.getenv().getOrDefault("AWS_ACCESS_KEY_ID", "");
      secret = System.getenv().getOrDefault("AWS_SECRET_ACCESS_KEY", "");
    }
    okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
    // the default allows 5 concurrent requests per host, far too few for a node's worker pool
    dispatcher.setMaxRequests(512);
    dispatcher.setMaxRequestsPerHost(512);
    this.http =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new okhttp3.ConnectionPool(128, 5, TimeUnit.MINUTES))
            .connectTimeout(Duration.ofSeconds(Math.min(10, timeoutSeconds)))
            .readTimeout(Duration.ofSeconds(timeoutSeconds))
            .writeTimeout(Duration.ofSeconds(timeoutSeconds))
            .retryOnConnectionFailure(false)
            .build();
    this.client =
        new ByteArrayS3Client(
            MinioAsyncClient.builder()
                .endpoint(config.endpoint())
                .region(region)
                .credentials(access, secret)
                .httpClient(http, true)
                .build());
    this.retry =
        Retry.of(
            "s3",
            RetryConfig.custom()
                .maxAttempts(config.maxAttempts())
                .intervalFunction(
                    IntervalFunction.ofExponentialBackoff(
                        Duration.ofMillis(Math.max(1, config.retryBaseMillis())),
                        2.0,
                        Duration.ofSeconds(5)))
                .retryOnException(S3BlobStore::isTransient)
                .build());
    this.uploads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "berth-s3-upload-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.janitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "berth-s3-janitor");
              t.setDaemon(true);
              return t;
            });
    janitor.scheduleWithFixedDelay(this::retryLeftovers, 2, 2, TimeUnit.SECONDS);
    if (config.createBucket()) {
      try {
        if (!call(
            "check bucket",
            () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()))) {
          call(
              "create bucket",
              () ->
                  client.makeBucket(
                      MakeBucketArgs.builder().bucket(bucket).region(region).build()));
          log.info("created bucket {}", bucket);
        }
      } catch (StorageException | ErrorResponseException e) {
        log.warn("bucket {} not reachable at start: {}", bucket, e.toString());
      }
    }
  }

  // ------------------------------------------------------------------ put

  /**
   * The first bytes of a put: a buffer that grows (unaccounted, up to {@link #SMALL}) while the
   * size is unknown, and above that is a leased part buffer of {@link #buffers}.
   */
  private static final class Head {
    byte[] bytes;
    int length;
    PartBuffers.Lease lease;

    void release() {
      if (lease != null) {
        lease.close();
        lease = null;
      }
    }
  }

  @Override
  public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
    MessageDigest md = expectation.algorithm().newMessageDigest();
    long[] total = {0};
    Head head = readHead(in, md, total, expectation);
    try {
      StoredBlob stored;
      if (head.length < partSize) {
        stored = putSmall(head.bytes, head.length, md, total[0], expectation);
      } else {
        PartBuffers.Lease first = head.lease;
        head.lease = null;
        stored = putMultipart(in, first, md, total, expectation);
      }
      // a blob is usually read soon after it is stored (a pull, a replicator copy): no HEAD then
      sizes.put(stored.digest(), stored.size());
      return stored;
    } finally {
      head.release();
    }
  }

  /**
   * Reads until the end of the content or one full part. A declared size below a part gets a buffer
   * of exactly that size (plus one byte, so the end is seen without growing); an unknown size
   * starts at 16 KiB and doubles. Buffers above {@link #SMALL} come from the shared budget; a put
   * waits for one only while it holds none (see {@link PartBuffers}).
   */
  private Head readHead(InputStream in, MessageDigest md, long[] total, PutExpectation expectation)
      throws IOException {
    Head h = new Head();
    long declared = expectation.size();
    int cap;
    if (declared >= 0 && declared < partSize) {
      cap = (int) declared + 1;
    } else if (declared >= partSize) {
      cap = partSize;
    } else {
      cap = Math.min(FIRST, partSize);
    }
    try {
      if (cap > SMALL) {
        h.lease = buffers.acquire(cap);
        h.bytes = h.lease.bytes();
      } else {
        h.bytes = new byte[cap];
      }
      while (true) {
        h.length = fill(in, h.bytes, h.length, md, total, expectation);
        if (h.length < h.bytes.length || h.length == partSize) {
          return h;
        }
        int next = (int) Math.min(partSize, (long) h.bytes.length * 2);
        byte[] grown;
        PartBuffers.Lease lease = null;
        if (next > SMALL) {
          // only unaccounted buffers grow, so nothing of the budget is held while waiting
          next = partSize;
          lease = buffers.acquire(next);
          grown = lease.bytes();
        } else {
          grown = new byte[next];
        }
        System.arraycopy(h.bytes, 0, grown, 0, h.length);
        h.release();
        h.lease = lease;
        h.bytes = grown;
      }
    } catch (IOException | RuntimeException | Error e) {
      h.release();
      throw e;
    }
  }

  private StoredBlob putSmall(
      byte[] bytes, int n, MessageDigest md, long total, PutExpectation expectation) {
    checkFinalSize(total, expectation);
    Digest actual = expectation.verify(md);
    // no HEAD first: content addressing makes a PUT over an existing object the same content with
    // a fresh time (what a touch would do, a copy onto itself, at about the same cost for a blob
    // under one part), and for a new blob, the usual case, it saves a round trip
    String key = blobKey(actual);
    // the buffer itself is the request body: no copy (PutObjectArgs.stream would copy it)
    callOrFail("put " + key, () -> client.putBytes(bucket, region, key, bytes, n));
    return new StoredBlob(actual, total, System.currentTimeMillis());
  }

  /**
   * A blob larger than one part. {@code first} (a full part, leased) is owned by this method. Each
   * further part buffer comes from the shared budget without waiting, or else is one of this put's
   * own buffers whose upload finished; at most {@code maxPartsInFlight} parts upload at once.
   */
  private StoredBlob putMultipart(
      InputStream in,
      PartBuffers.Lease first,
      MessageDigest md,
      long[] total,
      PutExpectation expectation)
      throws IOException {
    List<PartBuffers.Lease> leases = new ArrayList<>();
    leases.add(first);
    try {
      boolean direct = expectation.digest() != null;
      if (direct && statKey(blobKey(expectation.digest())).isPresent()) {
        first.close();
        return verifyExisting(in, md, total, expectation);
      }
      return upload(in, first.bytes(), leases, md, total, expectation, direct);
    } finally {
      for (PartBuffers.Lease l : leases) {
        l.close();
      }
    }
  }

  private StoredBlob upload(
      InputStream in,
      byte[] first,
      List<PartBuffers.Lease> leases,
      MessageDigest md,
      long[] total,
      PutExpectation expectation,
      boolean direct)
      throws IOException {
    String key = direct ? blobKey(expectation.digest()) : tmpKey();
    long startedAt = System.currentTimeMillis();
    String uploadId;
    try {
      uploadId =
          callOrFail(
                  "start upload " + key,
                  () -> client.createMultipartUploadAsync(bucket, region, key, null, null))
              .result()
              .uploadId();
    } catch (StorageException e) {
      // the server may have created the upload before failing to answer: find and abort it later
      queueLeftover(new Leftover(key, null, startedAt));
      throw e;
    }
    boolean completed = false;
    boolean tempLeft = false;
    BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(maxPartsInFlight + 1);
    List<Future<Part>> parts = new ArrayList<>();
    try {
      byte[] held = first;
      int heldLen = first.length;
      int partNumber = 0;
      while (true) {
        failFast(parts);
        byte[] part = held;
        int partLen = heldLen;
        int number = ++partNumber;
        parts.add(
            uploads.submit(
                () -> {
                  try {
                    return new Part(
                        number,
                        call(
                                "upload part " + number + " of " + key,
                                () ->
                                    client.uploadPartAsync(
                                        bucket, region, key, part, partLen, uploadId, number, null,
                                        null))
                            .etag());
                  } finally {
                    free.offer(part);
                  }
                }));
        if (heldLen < partSize) {
          break;
        }
        byte[] next = free.poll();
        if (next == null && leases.size() < maxPartsInFlight + 1) {
          Optional<PartBuffers.Lease> more = buffers.tryAcquire(partSize);
          if (more.isPresent()) {
            leases.add(more.get());
            next = more.get().bytes();
          }
        }
        if (next == null) {
          next = take(free);
        }
        int m = fill(in, next, 0, md, total, expectation);
        if (m == 0) {
          free.offer(next);
          break;
        }
        held = next;
        heldLen = m;
      }
      Part[] done = new Part[parts.size()];
      for (int i = 0; i < done.length; i++) {
        done[i] = join(parts.get(i));
      }
      checkFinalSize(total[0], expectation);
      Digest actual = expectation.verify(md);
      if (!direct && touch(actual)) {
        return statOrFail(actual);
      }
      callOrFail(
          "complete upload " + key,
          () ->
              client.completeMultipartUploadAsync(bucket, region, key, uploadId, done, null, null));
      completed = true;
      if (direct) {
        return new StoredBlob(actual, total[0], System.currentTimeMillis());
      }
      tempLeft = true;
      String target = blobKey(actual);
      if (total[0] <= MAX_COPY) {
        callOrFail(
            "copy " + key + " to " + target,
            () ->
                client.copyObject(
                    CopyObjectArgs.builder()
                        .bucket(bucket)
                        .object(target)
                        .source(CopySource.builder().bucket(bucket).object(key).build())
                        .build()));
      } else {
        callOrFail(
            "compose " + target,
            () ->
                client.composeObject(
                    ComposeObjectArgs.builder()
                        .bucket(bucket)
                        .object(target)
                        .sources(
                            List.of(ComposeSource.builder().bucket(bucket).object(key).build()))
                        .build()));
      }
      return new StoredBlob(actual, total[0], System.currentTimeMillis());
    } finally {
      if (!completed) {
        for (Future<Part> f : parts) {
          settle(f);
        }
        abort(key, uploadId);
        if (!direct) {
          // a completion whose answer was lost may have created the temporary object
          removeQuietly(key);
        }
      }
      if (tempLeft) {
        removeQuietly(key);
      }
    }
  }

  /**
   * The expected blob is already stored (a layer pushed again): the content is still read to its
   * end and verified, but not uploaded a second time; the stored object is touched instead.
   */
  private StoredBlob verifyExisting(
      InputStream in, MessageDigest md, long[] total, PutExpectation expectation)
      throws IOException {
    byte[] buf = new byte[64 << 10];
    while (fill(in, buf, 0, md, total, expectation) > 0) {
      // hashing only
    }
    checkFinalSize(total[0], expectation);
    Digest actual = expectation.verify(md);
    if (!touch(actual)) {
      throw new StorageException(
          "blob " + actual + " was removed while its content was being verified; retry");
    }
    return statOrFail(actual);
  }

  /** Waits (bounded) for a part upload to end, so an abort is not overtaken by a late part. */
  private void settle(Future<Part> f) {
    try {
      f.get(timeoutSeconds * 2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
      f.cancel(true);
    }
  }

  private static byte[] take(BlockingQueue<byte[]> pool) throws InterruptedIOException {
    try {
      return pool.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a part upload");
    }
  }

  private static void failFast(List<Future<Part>> parts) {
    for (Future<Part> f : parts) {
      if (f.isDone()) {
        join(f);
      }
    }
  }

  private static Part join(Future<Part> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while uploading", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException("part upload failed", e.getCause());
    }
  }

  private void abort(String key, String uploadId) {
    try {
      abortNow(key, uploadId);
    } catch (RuntimeException e) {
      log.warn(
          "cannot abort multipart upload {} of {} now, retrying in the background: {}",
          uploadId,
          key,
          e.toString());
      queueLeftover(new Leftover(key, uploadId, 0));
    }
  }

  /** Aborts an upload (absent is fine); throws StorageException when the server fails. */
  private void abortNow(String key, String uploadId) {
    try {
      call(
          "abort upload " + key,
          () -> client.abortMultipartUploadAsync(bucket, region, key, uploadId, null, null));
    } catch (ErrorResponseException e) {
      if (!isNotFound(e)) {
        log.warn("cannot abort multipart upload {} of {}: {}", uploadId, key, e.toString());
      }
    }
    if (stubServer) {
      // a server that keeps upload state as objects may keep some of them after a crash
      List<String> rest = new ArrayList<>();
      listKeys(".mpus-" + uploadId + "-", item -> rest.add(item.objectName()));
      for (String k : rest) {
        remove(k);
      }
    }
  }

  /**
   * Cleanup to retry later: a multipart upload to abort ({@code uploadId}), uploads of {@code key}
   * started since {@code orphanSince} whose id never reached us, or (both unset) a temporary object
   * to delete.
   */
  private record Leftover(String key, String uploadId, long orphanSince) {}

  private void queueLeftover(Leftover l) {
    if (leftovers.size() < 10_000) {
      leftovers.add(l);
    }
  }

  /** Retries aborts and deletes that failed while the server was unreachable. */
  private void retryLeftovers() {
    int n = leftovers.size();
    for (int i = 0; i < n; i++) {
      Leftover l = leftovers.poll();
      if (l == null) {
        return;
      }
      try {
        if (l.orphanSince() > 0) {
          // uploads of this key started around our failed attempt (clock skew allowance 60 s)
          for (IncompleteUpload u : incompleteUploads()) {
            if (u.key().equals(l.key()) && u.initiatedMillis() >= l.orphanSince() - 60_000) {
              abortNow(u.key(), u.uploadId());
            }
          }
        } else if (l.uploadId() == null) {
          remove(l.key());
        } else {
          abortNow(l.key(), l.uploadId());
        }
        log.info("cleaned up leftover {} after a storage failure", l.key());
      } catch (RuntimeException e) {
        leftovers.add(l);
        return;
      }
    }
  }

  /** How many aborts and deletes wait for the server to come back. */
  public int pendingLeftovers() {
    return leftovers.size();
  }

  /**
   * Reads into {@code buf} from {@code off} until it is full or the stream ends, hashing and
   * enforcing limits.
   *
   * @return the number of bytes in {@code buf} (from 0)
   */
  private static int fill(
      InputStream in,
      byte[] buf,
      int off,
      MessageDigest md,
      long[] total,
      PutExpectation expectation)
      throws IOException {
    while (off < buf.length) {
      int n = in.read(buf, off, buf.length - off);
      if (n < 0) {
        break;
      }
      total[0] += n;
      if (total[0] > expectation.maxSize()) {
        throw new BlobRejectedException(
            BlobRejectedException.Reason.TOO_LARGE,
            "content exceeds the limit of " + expectation.maxSize() + " bytes");
      }
      if (expectation.size() >= 0 && total[0] > expectation.size()) {
        throw new BlobRejectedException(
            BlobRejectedException.Reason.SIZE_MISMATCH,
            "content is longer than the declared " + expectation.size() + " bytes");
      }
      md.update(buf, off, n);
      off += n;
    }
    return off;
  }

  private static void checkFinalSize(long total, PutExpectation expectation) {
    if (expectation.size() >= 0 && total != expectation.size()) {
      throw new BlobRejectedException(
          BlobRejectedException.Reason.SIZE_MISMATCH,
          "content has " + total + " bytes, declared " + expectation.size());
    }
  }

  private StoredBlob statOrFail(Digest d) {
    return stat(d)
        .orElseThrow(() -> new StorageException("blob " + d + " vanished while being stored"));
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<StoredBlob> stat(Digest digest) {
    Optional<StoredBlob> found =
        statKey(blobKey(digest))
            .map(
                s -> new StoredBlob(digest, s.size(), s.lastModified().toInstant().toEpochMilli()));
    // a blob another writer stored (a link copying into the bucket while the nodes were down) is
    // stat'ed when its events arrive; the clients' reads that follow then need no HEAD of their own
    found.ifPresent(b -> sizes.put(digest, b.size()));
    return found;
  }

  private Optional<StatObjectResponse> statKey(String key) {
    try {
      return Optional.of(
          call(
              "stat " + key,
              () ->
                  client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build())));
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return Optional.empty();
      }
      throw new StorageException("cannot stat " + key + ": " + e.getMessage(), e);
    }
  }

  /**
   * Remembers the size like a stat would, for the 30 s {@link #open} reuses sizes: a node that
   * applies a peer's or a republished event then answers the first reads of its blobs without a
   * HEAD request each.
   */
  @Override
  public void sizeSeen(Digest digest, long size) {
    if (size >= 0) {
      sizes.put(digest, size);
    }
  }

  /**
   * A reader for the blob. The size of a blob seen in the last 30 s (stored, opened, stat'ed or
   * {@linkplain #sizeSeen told}) is reused without a HEAD request (content-addressed blobs never
   * change size); {@link #stat} always asks the server.
   */
  @Override
  public Optional<BlobReader> open(Digest digest) {
    Long known = sizes.getIfPresent(digest);
    if (known != null) {
      return Optional.of(new S3BlobReader(digest, known));
    }
    Optional<StoredBlob> s = stat(digest);
    s.ifPresent(b -> sizes.put(digest, b.size()));
    return s.map(b -> new S3BlobReader(digest, b.size()));
  }

  private final class S3BlobReader implements BlobReader {
    private final Digest digest;
    private final String key;
    private final long size;

    S3BlobReader(Digest digest, long size) {
      this.digest = digest;
      this.key = blobKey(digest);
      this.size = size;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public InputStream openRange(long offset, long length) throws IOException {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new IllegalArgumentException("range outside blob");
      }
      if (length == 0) {
        return InputStream.nullInputStream();
      }
      try {
        return call(
            "get " + key,
            () ->
                client.getObject(
                    GetObjectArgs.builder()
                        .bucket(bucket)
                        .object(key)
                        .offset(offset)
                        .length(length)
                        .build()));
      } catch (ErrorResponseException e) {
        if (isNotFound(e)) {
          sizes.invalidate(digest);
          throw new StorageException("blob " + key + " was removed from the bucket");
        }
        throw new StorageException("cannot read " + key + ": " + e.getMessage(), e);
      }
    }

    @Override
    public Optional<URI> redirectUrl() {
      if (presignMinBytes <= 0 || size < presignMinBytes) {
        return Optional.empty();
      }
      try {
        return Optional.of(
            URI.create(
                client.getPresignedObjectUrl(
                    GetPresignedObjectUrlArgs.builder()
                        .method(Method.GET)
                        .bucket(bucket)
                        .object(key)
                        .expiry(presignExpirySeconds)
                        .build())));
      } catch (Exception e) {
        log.warn("cannot presign {}: {}", key, e.toString());
        return Optional.empty();
      }
    }
  }

  // ------------------------------------------------------------------ delete, touch, quarantine

  @Override
  public boolean delete(Digest digest) {
    sizes.invalidate(digest);
    // statKey, not stat: stat would put the size back into the cache that reads trust
    if (statKey(blobKey(digest)).isEmpty()) {
      return false;
    }
    remove(blobKey(digest));
    sizes.invalidate(digest);
    return true;
  }

  @Override
  public boolean touch(Digest digest) {
    String key = blobKey(digest);
    Optional<StatObjectResponse> s = statKey(key);
    if (s.isEmpty()) {
      return false;
    }
    if (s.get().size() > MAX_COPY) {
      // a copy onto itself is limited to 5 GiB; such blobs keep their time (ADR 0007)
      return true;
    }
    try {
      call(
          "touch " + key,
          () ->
              client.copyObject(
                  CopyObjectArgs.builder()
                      .bucket(bucket)
                      .object(key)
                      .source(CopySource.builder().bucket(bucket).object(key).build())
                      .metadataDirective(Directive.REPLACE)
                      .userMetadata(Map.of(TOUCH_META, Long.toString(System.currentTimeMillis())))
                      .build()));
      return true;
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return false;
      }
      throw new StorageException("cannot touch " + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean quarantine(Digest digest) {
    sizes.invalidate(digest);
    String key = blobKey(digest);
    Optional<StatObjectResponse> s = statKey(key);
    if (s.isEmpty()) {
      return false;
    }
    String target =
        prefix
            + "quarantine/"
            + digest.algorithm().prefix()
            + "/"
            + digest.hex()
            + "."
            + UUID.randomUUID();
    try {
      if (s.get().size() <= MAX_COPY) {
        call(
            "quarantine " + key,
            () ->
                client.copyObject(
                    CopyObjectArgs.builder()
                        .bucket(bucket)
                        .object(target)
                        .source(CopySource.builder().bucket(bucket).object(key).build())
                        .build()));
      }
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return false;
      }
      throw new StorageException("cannot quarantine " + key + ": " + e.getMessage(), e);
    }
    remove(key);
    return true;
  }

  /** Visits quarantined objects' keys (for tests and operators). */
  public void forEachQuarantined(Consumer<String> visitor) {
    listKeys(prefix + "quarantine/", item -> visitor.accept(item.objectName()));
  }

  private void remove(String key) {
    try {
      call(
          "delete " + key,
          () -> client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build()));
    } catch (ErrorResponseException e) {
      if (!isNotFound(e)) {
        throw new StorageException("cannot delete " + key + ": " + e.getMessage(), e);
      }
    }
  }

  private void removeQuietly(String key) {
    try {
      remove(key);
    } catch (RuntimeException e) {
      log.warn(
          "cannot delete temporary object {} now, retrying in the background: {}",
          key,
          e.toString());
      queueLeftover(new Leftover(key, null, 0));
    }
  }

  // ------------------------------------------------------------------ listing and cleanup

  @Override
  public void forEach(Consumer<StoredBlob> visitor) {
    String base = prefix + "blobs/";
    listKeys(
        base,
        item -> {
          String rest = item.objectName().substring(base.length());
          int slash = rest.indexOf('/');
          if (slash < 0) {
            return;
          }
          String ref = rest.substring(0, slash) + ":" + rest.substring(slash + 1);
          if (!Digest.isValid(ref)) {
            return;
          }
          visitor.accept(
              new StoredBlob(
                  Digest.parse(ref), item.size(), item.lastModified().toInstant().toEpochMilli()));
        });
  }

  /**
   * Visits the objects below {@code keyPrefix} in key order, each once. A listing is one request
   * per page of 1000 keys; a page that fails transiently is asked for again with the retry policy
   * (its backoff, and its attempts for each page, as for any other request), as a new listing that
   * starts after the last key visited. Idle pooled connections are evicted before each retry: the
   * client does not retry on connection failures itself, and a pool of connections the server
   * closed would otherwise fail one retry after the other. An exception of the visitor is not
   * retried and passes unchanged.
   */
  private void listKeys(String keyPrefix, Consumer<Item> visitor) {
    String after = null;
    Retry.Context<Void> attempts = retry.context();
    boolean progressed = false;
    while (true) {
      ListObjectsArgs.Builder args =
          ListObjectsArgs.builder().bucket(bucket).prefix(keyPrefix).recursive(true);
      if (after != null) {
        // not ListObjectsV2's start-after: the SDK sends it again next to the continuation token
        // of every further page, which S3Proxy refuses (InvalidArgument); version 1 pages by the
        // marker alone, which is the last key
        args.useApiVersion1(true).marker(after);
      }
      java.util.Iterator<Result<Item>> listing = client.listObjects(args.build()).iterator();
      while (true) {
        Item item;
        try {
          if (!listing.hasNext()) {
            attempts.onComplete();
            return;
          }
          item = listing.next().get();
        } catch (Exception e) {
          if (progressed) {
            attempts = retry.context();
            progressed = false;
          }
          try {
            attempts.onError(e);
          } catch (Exception exhausted) {
            throw new StorageException("cannot list " + bucket + "/" + keyPrefix + ": " + e, e);
          }
          log.info(
              "listing {}/{} failed after key {}, resuming there: {}",
              bucket,
              keyPrefix,
              after == null ? "(none)" : after,
              e.toString());
          http.connectionPool().evictAll();
          break;
        }
        progressed = true;
        if (!item.isDir()) {
          visitor.accept(item);
          after = item.objectName();
        }
      }
    }
  }

  /**
   * Deletes temporary objects and aborts multipart uploads that are this writer's (it is starting,
   * so none is live) or older than {@code incompleteUploadMaxAgeMinutes} (a dead writer's).
   */
  @Override
  public int cleanupIncomplete() {
    int removed = 0;
    long cutoff = System.currentTimeMillis() - incompleteMaxAgeMillis;
    String mineTmp = prefix + "tmp/" + writerId + "/";
    List<String> temps = new ArrayList<>();
    listKeys(
        prefix + "tmp/",
        item -> {
          if (item.objectName().startsWith(mineTmp)
              || item.lastModified().toInstant().toEpochMilli() < cutoff) {
            temps.add(item.objectName());
          }
        });
    for (String key : temps) {
      remove(key);
      removed++;
    }
    for (IncompleteUpload u : incompleteUploads()) {
      boolean mine = u.key().startsWith(prefix + "tmp/" + writerId + "/");
      boolean old = u.initiatedMillis() < cutoff;
      if (mine || old) {
        abort(u.key(), u.uploadId());
        removed++;
      }
    }
    if (removed > 0) {
      log.info("removed {} leftover temporary objects and incomplete uploads", removed);
    }
    return removed;
  }

  /** An incomplete multipart upload: its key, id and start time. */
  public record IncompleteUpload(String key, String uploadId, long initiatedMillis) {}

  /**
   * Incomplete multipart uploads below this store's prefix. Servers without ListMultipartUploads
   * (S3Proxy's filesystem backend answers 501) keep each upload's state as visible {@code
   * .mpus-<uploadId>-<key>-stub} objects; those are read instead.
   */
  public List<IncompleteUpload> incompleteUploads() {
    List<IncompleteUpload> all = new ArrayList<>();
    String keyMarker = null;
    String uploadIdMarker = null;
    while (true) {
      String km = keyMarker;
      String um = uploadIdMarker;
      io.minio.messages.ListMultipartUploadsResult r;
      try {
        r =
            call(
                    "list uploads",
                    () ->
                        client.listMultipartUploadsAsync(
                            bucket,
                            region,
                            null,
                            null,
                            km,
                            1000,
                            prefix.isEmpty() ? null : prefix,
                            um,
                            null,
                            null))
                .result();
      } catch (UncheckedNotImplemented e) {
        stubServer = true;
        return stubUploads();
      } catch (ErrorResponseException e) {
        if ("NotImplemented".equals(e.errorResponse().code())) {
          stubServer = true;
          return stubUploads();
        }
        throw new StorageException("cannot list multipart uploads: " + e.getMessage(), e);
      }
      if (r.uploads() != null) {
        for (Upload u : r.uploads()) {
          all.add(
              new IncompleteUpload(
                  u.objectName(),
                  u.uploadId(),
                  u.initiated() == null ? 0 : u.initiated().toInstant().toEpochMilli()));
        }
      }
      if (!r.isTruncated()) {
        return all;
      }
      keyMarker = r.nextKeyMarker();
      uploadIdMarker = r.nextUploadIdMarker();
    }
  }

  private static final java.util.regex.Pattern STUB =
      java.util.regex.Pattern.compile("\\.mpus-([0-9a-fA-F-]{36})-(.+)-stub");

  private List<IncompleteUpload> stubUploads() {
    List<IncompleteUpload> all = new ArrayList<>();
    listKeys(
        ".mpus-",
        item -> {
          java.util.regex.Matcher m = STUB.matcher(item.objectName());
          if (m.matches() && m.group(2).startsWith(prefix)) {
            all.add(
                new IncompleteUpload(
                    m.group(2), m.group(1), item.lastModified().toInstant().toEpochMilli()));
          }
        });
    return all;
  }

  /** The server does not implement a request (HTTP 501). */
  private static final class NotImplementedException extends Exception {
    private static final long serialVersionUID = 1L;

    NotImplementedException(String message) {
      super(message);
    }
  }

  /** Every object key below this store's prefix (for tests and operators). */
  public List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    listKeys(prefix, item -> keys.add(item.objectName()));
    return keys;
  }

  /** Null when the bucket answers, else why not. One cheap request (HEAD bucket), retried. */
  public String probe() {
    try {
      boolean exists =
          call(
              "check bucket",
              () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
      return exists ? null : "bucket " + bucket + " does not exist";
    } catch (StorageException | ErrorResponseException e) {
      return "object storage unavailable: " + e.getMessage();
    }
  }

  /** The object key of a blob. */
  public String blobKey(Digest digest) {
    return BlobKeys.blob(prefix, digest);
  }

  private String tmpKey() {
    return prefix + "tmp/" + writerId + "/" + UUID.randomUUID();
  }

  @Override
  public void close() {
    janitor.shutdownNow();
    uploads.shutdownNow();
    try {
      client.close();
    } catch (Exception e) {
      log.debug("closing the S3 client", e);
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  // ------------------------------------------------------------------ requests and retries

  private <T> T callOrFail(String what, S3Call<T> request) {
    try {
      return call(what, request);
    } catch (ErrorResponseException e) {
      throw new StorageException("S3 " + what + " failed: " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  private interface S3Call<T> {
    CompletableFuture<T> start() throws Exception;
  }

  /**
   * Runs one request with the retry policy. An S3 error answer that is not transient (4xx, such as
   * NoSuchKey) is rethrown as is for the caller to interpret; everything else that still fails
   * after the retries becomes a {@link StorageException}.
   */
  private <T> T call(String what, S3Call<T> request) throws ErrorResponseException {
    try {
      return retry.executeCallable(
          () -> {
            CompletableFuture<T> f = request.start();
            try {
              return f.get(timeoutSeconds * 2, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
              Throwable c = e.getCause();
              if (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
                c = c.getCause();
              }
              if (c instanceof Exception ex) {
                throw ex;
              }
              throw e;
            } catch (TimeoutException e) {
              f.cancel(true);
              throw new IOException("S3 request timed out: " + what, e);
            }
          });
    } catch (ErrorResponseException e) {
      if (isTransient(e)) {
        throw new StorageException("S3 " + what + " failed: " + e.getMessage(), e);
      }
      throw e;
    } catch (InvalidResponseException e) {
      if (isNotImplemented(e)) {
        throw new UncheckedNotImplemented(new NotImplementedException(e.getMessage()));
      }
      throw new StorageException("S3 " + what + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted during S3 " + what, e);
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException("S3 " + what + " failed: " + e, e);
    }
  }

  private static boolean isNotImplemented(Throwable e) {
    return e instanceof InvalidResponseException
        && String.valueOf(e.getMessage()).contains("Response code: 501");
  }

  /** Carries a 501 answer out of {@link #call} (which declares only ErrorResponseException). */
  private static final class UncheckedNotImplemented extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UncheckedNotImplemented(NotImplementedException cause) {
      super(cause);
    }
  }

  private static boolean isTransient(Throwable e) {
    if (isNotImplemented(e)) {
      return false;
    }
    if (e instanceof ErrorResponseException er) {
      int status = er.response() == null ? 0 : er.response().code();
      String code = er.errorResponse() == null ? "" : er.errorResponse().code();
      return status >= 500
          || status == 429
          || "SlowDown".equals(code)
          || "InternalError".equals(code)
          || "ServiceUnavailable".equals(code)
          || "RequestTimeout".equals(code);
    }
    return e instanceof IOException
        || e instanceof ServerException
        || e instanceof InvalidResponseException
        || e instanceof TimeoutException;
  }

  private static boolean isNotFound(ErrorResponseException e) {
    String code = e.errorResponse() == null ? "" : e.errorResponse().code();
    return (e.response() != null && e.response().code() == 404)
        || "NoSuchKey".equals(code)
        || "NoSuchUpload".equals(code)
        || "NotFound".equals(code);
  }
}
