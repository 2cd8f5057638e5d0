package io.berth.node.sumdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TilePathTest {

  @ParameterizedTest
  @CsvSource({
    "tile/8/0/000, 8, 0, 0, 256",
    "tile/8/0/001.p/44, 8, 0, 1, 44",
    "tile/8/1/000.p/1, 8, 1, 0, 1",
    "tile/8/data/000, 8, -1, 0, 256",
    "tile/8/data/x001/234.p/7, 8, -1, 1234, 7",
    "tile/3/4/x001/x234/067.p/1, 3, 4, 1234067, 1",
    "tile/3/4/x001/x234/067, 3, 4, 1234067, 8",
    "tile/30/63/999, 30, 63, 999, 1073741824",
  })
  void parsesCanonicalPaths(String path, int h, int l, long n, int w) {
    TilePath t = TilePath.parse(path);
    assertThat(t).isEqualTo(new TilePath(h, l, n, w));
    assertThat(t.path()).isEqualTo(path);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tile/8/0/0",
        "tile/8/0/0000",
        "tile/8/0/x000",
        "tile/8/0/001/002",
        "tile/8/0/x000/002",
        "tile/08/0/000",
        "tile/8/00/000",
        "tile/0/0/000",
        "tile/31/0/000",
        "tile/8/64/000",
        "tile/8/-1/000",
        "tile/8/0/000.p/0",
        "tile/8/0/000.p/256",
        "tile/8/0/000.p/044",
        "tile/8/0/000.p/",
        "tile/8/0/000.p",
        "tile/8/0/000/",
        "tile/8/0/-01",
        "tile/8/0/+01",
        "tile/8/0/0a0",
        "tile/8/0",
        "tile//0/000",
        "tiles/8/0/000",
        "tile/8/dat/000",
        "tile/8/0/x999/x999/x999/x999/x999/x999/x999/999",
      })
  void rejectsEverythingElse(String path) {
    assertThatThrownBy(() -> TilePath.parse(path))
        .isInstanceOf(SumdbException.class)
        .satisfies(
            e -> assertThat(((SumdbException) e).kind()).isEqualTo(SumdbException.Kind.BAD_REQUEST))
        .hasMessageContaining("malformed tile path");
  }
}
