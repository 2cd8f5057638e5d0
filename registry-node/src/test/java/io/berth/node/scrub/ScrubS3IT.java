package io.berth.node.scrub;

import io.berth.node.testsupport.StorageUnderTest;

/** {@link ScrubIT} with the blobs in a real S3-compatible bucket (S3Proxy's files corrupted). */
class ScrubS3IT extends ScrubIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "scrub");
  }
}
