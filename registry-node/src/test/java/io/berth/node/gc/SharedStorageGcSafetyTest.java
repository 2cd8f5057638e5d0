package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.gc.SharedStorageGcSafety.Applier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The rule for sweeping shared storage: an elected owner, a change log, a caught-up applier. */
class SharedStorageGcSafetyTest {

  private static String code(SharedStorageGcSafety s) {
    return s.check().map(GcSafety.Refusal::code).orElse("safe");
  }

  @Test
  void eachMissingConditionIsRefusedWithItsOwnReason() {
    assertThat(code(new SharedStorageGcSafety("bucket b", false, true, () -> Applier.CAUGHT_UP)))
        .isEqualTo("no_single_owner");
    assertThat(code(new SharedStorageGcSafety("bucket b", true, false, () -> Applier.CAUGHT_UP)))
        .isEqualTo("no_change_log");
    assertThat(code(new SharedStorageGcSafety("bucket b", true, true, () -> Applier.NOT_RUNNING)))
        .isEqualTo("index_not_current");
    assertThat(code(new SharedStorageGcSafety("bucket b", true, true, () -> Applier.BEHIND)))
        .isEqualTo("applier_behind");
    assertThat(code(new SharedStorageGcSafety("bucket b", true, true, () -> Applier.CAUGHT_UP)))
        .isEqualTo("safe");
  }

  @Test
  void theApplierIsReadAtEveryCheckAndTheReasonNamesTheStorageAndTheFix() {
    AtomicReference<Applier> state = new AtomicReference<>(Applier.BEHIND);
    SharedStorageGcSafety s = new SharedStorageGcSafety("bucket eu", true, true, state::get);
    assertThat(s.check()).isPresent();
    state.set(Applier.CAUGHT_UP);
    assertThat(s.check()).isEmpty();
    assertThat(new SharedStorageGcSafety("bucket eu", false, false, state::get).check())
        .get()
        .extracting(GcSafety.Refusal::reason)
        .asString()
        .contains("bucket eu")
        .contains("cluster.zookeeper");
  }
}
