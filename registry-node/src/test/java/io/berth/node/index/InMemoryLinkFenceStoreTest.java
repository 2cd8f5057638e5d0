package io.berth.node.index;

class InMemoryLinkFenceStoreTest extends LinkFenceStoreContract {
  private final InMemoryLinkFenceStore store = new InMemoryLinkFenceStore();

  @Override
  protected LinkFenceStore store() {
    return store;
  }

  @Override
  protected LinkFenceStore reopen() {
    return store;
  }
}
