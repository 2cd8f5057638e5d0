package io.berth.node.scrub;

import io.berth.node.testsupport.StorageUnderTest;

/** {@link OciScrubIT} with the blobs in a real S3-compatible bucket (S3Proxy's files corrupted). */
class OciScrubS3IT extends OciScrubIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-scrub");
  }
}
