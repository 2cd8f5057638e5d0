package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link OciReplicationIT} with the two nodes of the region sharing one real S3-compatible bucket,
 * as in production: what is pushed on A is served by B from the bucket once B applied A's events.
 */
class OciReplicationS3IT extends OciReplicationIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-region");
  }
}
