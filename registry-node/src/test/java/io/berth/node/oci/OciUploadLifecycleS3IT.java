package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;
import java.nio.file.Path;

/**
 * {@link OciUploadLifecycleIT} (a chunked upload continues after a restart, abandoned sessions
 * expire) with the node's blobs in a real S3-compatible bucket: the session bytes stay on the
 * node's disk and the completed blob goes to the bucket.
 */
class OciUploadLifecycleS3IT extends OciUploadLifecycleIT {
  @Override
  protected StorageUnderTest storage(Path dir) throws Exception {
    return StorageUnderTest.s3(dir, "oci-uploads");
  }
}
