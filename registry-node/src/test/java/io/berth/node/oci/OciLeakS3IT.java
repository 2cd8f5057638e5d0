package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link OciLeakIT} (content stored once, read only through a repository's links, mounts need read
 * rights) with the node's blobs in a real S3-compatible bucket.
 */
class OciLeakS3IT extends OciLeakIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-leak");
  }
}
