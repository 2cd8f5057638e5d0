package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Blob {@code Range} requests and upload chunk {@code Content-Range}s. */
class RangesTest {
  @ParameterizedTest
  @CsvSource({
    "bytes=500-1499, 500, 1499",
    "bytes=500-, 500, 2999",
    "bytes=-500, 2500, 2999",
    "bytes=-5000, 0, 2999",
    "bytes=0-0, 0, 0",
    "bytes=2999-2999, 2999, 2999",
    "bytes=2000-99999, 2000, 2999",
    "BYTES = 1-2, 1, 2",
  })
  void satisfiable(String header, long start, long end) {
    ByteRange r = ByteRange.parse(header, 3000).orElseThrow();
    assertThat(r).isEqualTo(new ByteRange(start, end));
    assertThat(r.length()).isEqualTo(end - start + 1);
    assertThat(r.contentRange(3000)).isEqualTo("bytes " + start + "-" + end + "/3000");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=500-0",
        "bytes=3000-",
        "bytes=3000-4000",
        "bytes=-0",
        "bytes=x-1",
        "bytes=1-x",
        "bytes=",
        "bytes=-",
        "bytes=5",
        "bytes=99999999999999999999-"
      })
  void unsatisfiable(String header) {
    assertThatThrownBy(() -> ByteRange.parse(header, 3000))
        .isInstanceOf(OciException.class)
        .satisfies(
            e -> {
              OciException o = (OciException) e;
              assertThat(o.code()).isEqualTo(OciErrorCode.RANGE_NOT_SATISFIABLE);
              assertThat(o.code().status()).isEqualTo(416);
              assertThat(o.headers()).containsEntry("Content-Range", "bytes */3000");
            });
  }

  @Test
  void ignoredHeadersServeTheWholeBlob() {
    assertThat(ByteRange.parse(null, 10)).isEqualTo(Optional.empty());
    assertThat(ByteRange.parse("", 10)).isEmpty();
    assertThat(ByteRange.parse("items=0-1", 10)).isEmpty();
    assertThat(ByteRange.parse("bytes=0-1,3-4", 10)).isEmpty();
  }

  @Test
  void anEmptyBlobHasNoSatisfiableRange() {
    assertThatThrownBy(() -> ByteRange.parse("bytes=0-", 0)).isInstanceOf(OciException.class);
    assertThatThrownBy(() -> ByteRange.parse("bytes=-1", 0)).isInstanceOf(OciException.class);
  }

  @ParameterizedTest
  @CsvSource({"0-9, 0, 9", "10-19, 10, 19", "bytes=0-9, 0, 9", "bytes 5-9/100, 5, 9", "7-7, 7, 7"})
  void chunkRanges(String header, long start, long end) {
    ChunkRange r = ChunkRange.parse(header);
    assertThat(r).isEqualTo(new ChunkRange(start, end));
    assertThat(r.length()).isEqualTo(end - start + 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"9-0", "bogus", "0-x", "-5", "5-", "bytes=", "1-2-3", "a-b"})
  void badChunkRangesAre416(String header) {
    assertThatThrownBy(() -> ChunkRange.parse(header))
        .isInstanceOf(OciException.class)
        .satisfies(
            e -> {
              OciException o = (OciException) e;
              assertThat(o.code()).isEqualTo(OciErrorCode.BLOB_UPLOAD_RANGE_INVALID);
              assertThat(o.code().status()).isEqualTo(416);
              assertThat(o.code().code()).isEqualTo("BLOB_UPLOAD_INVALID");
            });
  }
}
