package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;

/**
 * {@link OciBadInputIT} (bad names, digests, lengths and manifests get the spec's errors) with the
 * node's blobs in a real S3-compatible bucket: a refused upload leaves no object outside {@code
 * blobs/}, no incomplete multipart upload and no pending cleanup.
 */
class OciBadInputS3IT extends OciBadInputIT {
  @Override
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.s3(tmp.resolve("s3"), "oci-bad-input");
  }
}
