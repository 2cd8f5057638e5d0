package io.berth.replicator.bucket;

import io.berth.replicator.region.InMemoryRegionClient;

/** The test double's bucket keeps the contract the link's tests rely on. */
class InMemoryTargetBucketTest extends TargetBucketContract {
  InMemoryRegionClient region;

  @Override
  protected TargetBucket bucket() {
    region = new InMemoryRegionClient("us");
    return region.bucket();
  }

  @Override
  protected boolean holds(String digest, byte[] content) {
    return region.has(digest) && region.bucketWrites.contains(digest);
  }
}
