package io.berth.node.oci;

import io.berth.node.testsupport.StorageUnderTest;
import java.nio.file.Path;

/**
 * {@link OciCrashSafetyIT} (kill -9 during a chunked upload and manifest pushes, resume, no index
 * entry without its blob) with the node process's blobs in a real S3-compatible bucket.
 */
class OciCrashSafetyS3IT extends OciCrashSafetyIT {
  @Override
  protected StorageUnderTest storage(Path dir) throws Exception {
    return StorageUnderTest.s3(dir, "oci-crash");
  }
}
