package io.berth.node.gomod;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link GoProxyPublishIT} (publish, {@code go mod download}, build, hashes, idempotent re-publish,
 * conflict) with the node's blobs in a real S3-compatible bucket.
 */
class GoProxyPublishS3IT extends GoProxyPublishIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "goproxy-publish");
  }
}
