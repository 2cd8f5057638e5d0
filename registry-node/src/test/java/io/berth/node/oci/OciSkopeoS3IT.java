package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link OciSkopeoIT} (the real skopeo copying images in, out and between repositories, a
 * two-platform index with {@code --all}) with the node's blobs in a real S3-compatible bucket.
 */
class OciSkopeoS3IT extends OciSkopeoIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-skopeo");
  }
}
