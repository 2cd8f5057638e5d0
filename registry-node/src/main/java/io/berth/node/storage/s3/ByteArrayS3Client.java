package io.berth.node.storage.s3;

import com.google.common.collect.HashMultimap;
import com.google.common.collect.ImmutableMultimap;
import io.minio.Digest;
import io.minio.MinioAsyncClient;
import io.minio.ObjectWriteResponse;
import io.minio.credentials.Credentials;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InternalException;
import io.minio.http.Method;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * The MinIO client plus a single-request PUT of the first {@code length} bytes of an array, and
 * request bodies sent with an unsigned payload (ADR 0028).
 *
 * <p>The public {@code putObject(PutObjectArgs)} reads a stream into a part buffer of its own (at
 * least 5 MiB per request); {@link #putBytes} sends the caller's buffer as the request body,
 * without a copy.
 *
 * <p>Over plain HTTP MinIO signs the SHA-256 of every body it sends. The node has already verified
 * the bytes against their digest, and an S3 server that receives a signed payload hash must see the
 * whole body before it can check it: S3Proxy reads each such body into memory and hashes it again
 * before storing it. Every byte-array body (single PUTs and multipart parts) is therefore signed as
 * {@code UNSIGNED-PAYLOAD}, what MinIO and the AWS SDKs already send over HTTPS. Its {@code
 * Content-MD5} stays, and is a signed header, so the server still rejects a body changed or cut on
 * the way.
 */
final class ByteArrayS3Client extends MinioAsyncClient {
  static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  private static final ImmutableMultimap<String, String> OCTETS =
      ImmutableMultimap.of("Content-Type", "application/octet-stream");
  private static final byte[] NONE = new byte[0];

  ByteArrayS3Client(MinioAsyncClient client) {
    super(client);
  }

  /** PUTs {@code bytes[0, length)} as object {@code key}. */
  CompletableFuture<ObjectWriteResponse> putBytes(
      String bucket, String region, String key, byte[] bytes, int length) throws Exception {
    return putObjectAsync(bucket, region, key, bytes, length, HashMultimap.create(OCTETS), null);
  }

  /**
   * MinIO's request with the body of a byte array replaced by the same bytes sent unsigned: the
   * request is built for an empty body (so nothing hashes the real one), then given the real body,
   * its Content-MD5 and the unsigned payload marker. MinIO signs it afterwards, with the headers
   * set here.
   */
  @Override
  protected Request createRequest(
      HttpUrl url, Method method, Headers headers, Object body, int length, Credentials creds)
      throws InsufficientDataException, InternalException, IOException, NoSuchAlgorithmException {
    if (!(body instanceof byte[] bytes) || creds == null) {
      return super.createRequest(url, method, headers, body, length, creds);
    }
    Request empty = super.createRequest(url, method, headers, NONE, 0, creds);
    String type = headers == null ? null : headers.get("Content-Type");
    RequestBody real =
        RequestBody.create(bytes, type == null ? null : MediaType.parse(type), 0, length);
    return empty
        .newBuilder()
        .header("Content-MD5", Digest.md5Hash(bytes, length))
        .header("x-amz-content-sha256", UNSIGNED_PAYLOAD)
        .method(method.toString(), real)
        .build();
  }
}
