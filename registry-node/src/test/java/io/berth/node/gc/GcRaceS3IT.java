package io.berth.node.gc;

import io.berth.node.testsupport.StorageUnderTest;

/** {@link GcRaceIT} with the blobs in a real S3-compatible bucket. */
class GcRaceS3IT extends GcRaceIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "gc-race");
  }
}
