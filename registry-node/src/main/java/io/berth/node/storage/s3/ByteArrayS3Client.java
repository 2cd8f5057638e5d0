package io.berth.node.storage.s3;

import com.google.common.collect.ImmutableMultimap;
import io.minio.MinioAsyncClient;
import io.minio.ObjectWriteResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The MinIO client plus a single-request PUT of the first {@code length} bytes of an array. The
 * public {@code putObject(PutObjectArgs)} reads a stream into a part buffer of its own (at least 5
 * MiB per request); this sends the caller's buffer as the request body, without a copy.
 */
final class ByteArrayS3Client extends MinioAsyncClient {
  private static final ImmutableMultimap<String, String> OCTETS =
      ImmutableMultimap.of("Content-Type", "application/octet-stream");

  ByteArrayS3Client(MinioAsyncClient client) {
    super(client);
  }

  /** PUTs {@code bytes[0, length)} as object {@code key}. */
  CompletableFuture<ObjectWriteResponse> putBytes(
      String bucket, String region, String key, byte[] bytes, int length) throws Exception {
    return putObjectAsync(
        bucket,
        region,
        key,
        bytes,
        length,
        com.google.common.collect.HashMultimap.create(OCTETS),
        null);
  }
}
