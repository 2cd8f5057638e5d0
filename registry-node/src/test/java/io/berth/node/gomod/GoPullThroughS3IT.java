package io.berth.node.gomod;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link GoPullThroughIT} (single-flight pull-through, serving with the upstream stopped) with the
 * node's blobs in a real S3-compatible bucket.
 */
class GoPullThroughS3IT extends GoPullThroughIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "goproxy-pull");
  }
}
