package io.berth.node.gc;

import io.berth.node.testsupport.StorageUnderTest;

/** {@link OciGcIT} with the blobs in a real S3-compatible bucket. */
class OciGcS3IT extends OciGcIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-gc");
  }
}
