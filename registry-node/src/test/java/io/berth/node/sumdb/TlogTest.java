package io.berth.node.sumdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The inclusion check recomputes the RFC 6962 root of a tree from one record and tiles; compared
 * with a naive recursive tree hash for many tree sizes and tile heights.
 */
class TlogTest {

  static byte[] mth(List<byte[]> leaves, int lo, int hi) {
    if (hi - lo == 1) {
      return leaves.get(lo);
    }
    int k = Integer.highestOneBit(hi - lo - 1);
    return Tlog.nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
  }

  static List<byte[]> leaves(int n) {
    List<byte[]> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(Tlog.recordHash(("record " + i + "\n").getBytes(StandardCharsets.UTF_8)));
    }
    return l;
  }

  /** Tile content straight from the definition: hashes of complete subtrees of 2^(L*H). */
  static byte[] tile(List<byte[]> leaves, TilePath t, Set<String> read) {
    read.add(t.path());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int j = 0; j < t.width(); j++) {
      long idx = (t.number() << t.height()) + j;
      int span = 1 << (t.level() * t.height());
      int lo = (int) (idx * span);
      assertThat(lo + span)
          .as("tile %s reaches past the tree", t.path())
          .isLessThanOrEqualTo(leaves.size());
      out.writeBytes(mth(leaves, lo, lo + span));
    }
    return out.toByteArray();
  }

  @Test
  void rootFromTilesMatchesTheTreeHash() {
    for (int height : new int[] {1, 2, 3, 8}) {
      for (int n = 1; n <= 70; n++) {
        List<byte[]> leaves = leaves(n);
        byte[] root = mth(leaves, 0, n);
        for (int id = 0; id < n; id++) {
          Set<String> read = new HashSet<>();
          byte[] got =
              Tlog.rootWithRecord(n, id, leaves.get(id), height, t -> tile(leaves, t, read));
          assertThat(got).as("n=%d id=%d h=%d", n, id, height).isEqualTo(root);
        }
      }
    }
  }

  @Test
  void aDifferentRecordOrTileChangesTheRoot() {
    List<byte[]> leaves = leaves(300);
    byte[] root = mth(leaves, 0, 300);
    byte[] wrong = Tlog.recordHash("forged\n".getBytes(StandardCharsets.UTF_8));
    assertThat(Tlog.rootWithRecord(300, 7, wrong, 8, t -> tile(leaves, t, new HashSet<>())))
        .isNotEqualTo(root);
    assertThat(
            Tlog.rootWithRecord(
                300,
                7,
                leaves.get(7),
                8,
                t -> {
                  byte[] b = tile(leaves, t, new HashSet<>());
                  b[b.length - 1] ^= 1;
                  return b;
                }))
        .isNotEqualTo(root);
  }

  @Test
  void readsTheTilesTheGoClientReads() {
    List<byte[]> leaves = leaves(300);
    Set<String> read = new HashSet<>();
    Tlog.rootWithRecord(300, 5, leaves.get(5), 8, t -> tile(leaves, t, read));
    assertThat(read).containsExactlyInAnyOrder("tile/8/0/000", "tile/8/0/001.p/44");
  }

  @Test
  void refusesRecordsOutsideTheTreeAndShortTiles() {
    assertThatThrownBy(() -> Tlog.rootWithRecord(3, 3, new byte[32], 8, t -> new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Tlog.rootWithRecord(3, 0, new byte[32], 8, t -> new byte[31]))
        .isInstanceOf(SumdbException.class)
        .hasMessageContaining("bytes, expected");
  }
}
