package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link OciConformanceIT} (every upload mode, Range reads, HEAD sizes, mounts, manifests, lists,
 * deletes, errors) with the node's blobs in a real S3-compatible bucket.
 */
class OciConformanceS3IT extends OciConformanceIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-conformance");
  }
}
