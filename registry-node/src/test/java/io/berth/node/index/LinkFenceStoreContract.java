package io.berth.node.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The contract every {@link LinkFenceStore} meets. */
public abstract class LinkFenceStoreContract {

  /** A store; implementations that persist return the same data after {@link #reopen}. */
  protected abstract LinkFenceStore store();

  /** Closes and reopens the store (a restart); returns the reopened store. */
  protected abstract LinkFenceStore reopen();

  @Test
  void unknownLinksHaveNoEpoch() {
    assertThat(store().highest("eu->us")).isEqualTo(-1);
    assertThat(store().all()).isEmpty();
  }

  @Test
  void raisesButNeverLowers() {
    LinkFenceStore s = store();
    assertThat(s.raise("eu->us", 10)).isEqualTo(10);
    assertThat(s.raise("eu->us", 10)).as("the same epoch is admitted again").isEqualTo(10);
    assertThat(s.raise("eu->us", 7)).as("a stale epoch").isEqualTo(10);
    assertThat(s.highest("eu->us")).isEqualTo(10);
    assertThat(s.raise("eu->us", 12)).isEqualTo(12);
    assertThat(s.raise("us->eu", 3)).as("links are independent").isEqualTo(3);
    assertThat(s.all()).containsEntry("eu->us", 12L).containsEntry("us->eu", 3L);
  }

  @Test
  void theFenceSurvivesARestart() {
    store().raise("eu->us", 42);
    LinkFenceStore again = reopen();
    assertThat(again.highest("eu->us")).isEqualTo(42);
    assertThat(again.raise("eu->us", 41)).isEqualTo(42);
  }
}
