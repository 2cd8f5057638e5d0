package io.berth.replicator.region;

class InMemoryRegionClientTest extends RegionClientContract {
  private final InMemoryRegionClient region = new InMemoryRegionClient("mem");

  @Override
  protected RegionClient region() {
    return region;
  }
}
