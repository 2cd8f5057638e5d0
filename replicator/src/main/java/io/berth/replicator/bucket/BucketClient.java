package io.berth.replicator.bucket;

import com.google.common.collect.HashMultimap;
import com.google.common.collect.ImmutableMultimap;
import io.minio.CreateMultipartUploadResponse;
import io.minio.MinioAsyncClient;
import io.minio.ObjectWriteResponse;
import io.minio.UploadPartResponse;
import io.minio.messages.Part;
import java.util.concurrent.CompletableFuture;

/**
 * The MinIO client with the calls it keeps protected: a PUT of a caller's buffer (no copy into a
 * part buffer of its own) and the multipart steps, so {@link S3TargetBucket} can complete an upload
 * only after the content was verified.
 */
final class BucketClient extends MinioAsyncClient {
  private static final ImmutableMultimap<String, String> OCTETS =
      ImmutableMultimap.of("Content-Type", "application/octet-stream");

  BucketClient(MinioAsyncClient client) {
    super(client);
  }

  CompletableFuture<ObjectWriteResponse> put(
      String bucket, String region, String key, byte[] bytes, int length) throws Exception {
    return putObjectAsync(bucket, region, key, bytes, length, HashMultimap.create(OCTETS), null);
  }

  CompletableFuture<CreateMultipartUploadResponse> startUpload(
      String bucket, String region, String key) throws Exception {
    return createMultipartUploadAsync(bucket, region, key, HashMultimap.create(OCTETS), null);
  }

  CompletableFuture<UploadPartResponse> uploadPart(
      String bucket, String region, String key, byte[] bytes, int length, String uploadId, int n)
      throws Exception {
    return uploadPartAsync(bucket, region, key, bytes, length, uploadId, n, null, null);
  }

  CompletableFuture<ObjectWriteResponse> completeUpload(
      String bucket, String region, String key, String uploadId, Part[] parts) throws Exception {
    return completeMultipartUploadAsync(bucket, region, key, uploadId, parts, null, null);
  }

  CompletableFuture<?> abortUpload(String bucket, String region, String key, String uploadId)
      throws Exception {
    return abortMultipartUploadAsync(bucket, region, key, uploadId, null, null);
  }
}
