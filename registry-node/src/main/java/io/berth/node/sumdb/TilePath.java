package io.berth.node.sumdb;

/**
 * A transparency-log tile coordinate, {@code tile/<H>/<L>/<N>[.p/<W>]} or {@code
 * tile/<H>/data/<N>[.p/<W>]} (golang.org/x/mod/sumdb/tlog): height {@code H} (1..30), level {@code
 * L} (0..63, or -1 for record data), number {@code N} written in 3-digit elements where all but the
 * last start with {@code x}, and width {@code W} (1..2^H; the {@code .p/W} suffix only for partial
 * tiles). Parsing is strict: only the one canonical spelling of a tile is accepted.
 */
public record TilePath(int height, int level, long number, int width) {
  /** The level value of data tiles. */
  public static final int DATA = -1;

  public TilePath {
    if (height < 1 || height > 30 || level < DATA || level > 63 || number < 0) {
      throw new IllegalArgumentException("invalid tile coordinates");
    }
    if (width < 1 || width > (1 << height)) {
      throw new IllegalArgumentException("invalid tile width");
    }
  }

  /**
   * Parses a path below the database root ({@code tile/...}).
   *
   * @throws SumdbException BAD_REQUEST when it is not the canonical path of a tile
   */
  public static TilePath parse(String path) {
    String[] f = path.split("/", -1);
    if (f.length < 4 || !f[0].equals("tile")) {
      throw bad(path);
    }
    int h = smallInt(f[1], path);
    boolean data = f[2].equals("data");
    int l = data ? DATA : smallInt(f[2], path);
    if (h < 1 || h > 30 || l > 63) {
      throw bad(path);
    }
    int w = 1 << h;
    int end = f.length;
    String last = f[end - 1];
    if (f[end - 2].endsWith(".p")) {
      int ww = smallInt(last, path);
      if (ww <= 0 || ww >= w) {
        throw bad(path);
      }
      w = ww;
      f[end - 2] = f[end - 2].substring(0, f[end - 2].length() - 2);
      end--;
    }
    long n = 0;
    for (int i = 3; i < end; i++) {
      String s = f[i];
      boolean x = s.startsWith("x");
      if (x != (i < end - 1)) {
        throw bad(path);
      }
      String digits = x ? s.substring(1) : s;
      if (digits.length() != 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw bad(path);
      }
      if (n > (Long.MAX_VALUE - 999) / 1000) {
        throw bad(path);
      }
      n = n * 1000 + Integer.parseInt(digits);
    }
    TilePath t = new TilePath(h, l, n, w);
    if (!t.path().equals(path)) {
      throw bad(path);
    }
    return t;
  }

  private static int smallInt(String s, String path) {
    if (s.isEmpty() || s.length() > 4 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad(path);
    }
    if (s.length() > 1 && s.charAt(0) == '0') {
      throw bad(path);
    }
    return Integer.parseInt(s);
  }

  private static SumdbException bad(String path) {
    return new SumdbException(
        SumdbException.Kind.BAD_REQUEST,
        "bad request: malformed tile path " + io.berth.common.ModulePath.quote(path));
  }

  /** The canonical path, {@code tile/H/L/NNN[.p/W]}. */
  public String path() {
    StringBuilder n = new StringBuilder(String.format("%03d", number % 1000));
    for (long v = number / 1000; v > 0; v /= 1000) {
      n.insert(0, String.format("x%03d/", v % 1000));
    }
    return "tile/"
        + height
        + "/"
        + (level == DATA ? "data" : Integer.toString(level))
        + "/"
        + n
        + (isFull() ? "" : ".p/" + width);
  }

  /** Whether this tile lists all 2^H entries (and so never changes). */
  public boolean isFull() {
    return width == 1 << height;
  }

  /** Whether this is a record-data tile rather than a hash tile. */
  public boolean isData() {
    return level == DATA;
  }

  /** The full tile this tile is a prefix of. */
  public TilePath full() {
    return new TilePath(height, level, number, 1 << height);
  }

  /** The exact size of a hash tile's content, {@code W * 32} bytes. */
  public long hashTileBytes() {
    return (long) width * Tlog.HASH_SIZE;
  }
}
