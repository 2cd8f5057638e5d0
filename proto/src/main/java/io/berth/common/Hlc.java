package io.berth.common;

/**
 * A hybrid logical clock timestamp: physical wall-clock milliseconds plus a logical counter that
 * orders events within the same millisecond. Ordered by wall time, then logical counter.
 */
public record Hlc(long wallMillis, int logical) implements Comparable<Hlc> {

  public static final Hlc ZERO = new Hlc(0, 0);

  public Hlc {
    if (wallMillis < 0 || logical < 0) {
      throw new IllegalArgumentException("HLC parts must not be negative");
    }
  }

  @Override
  public int compareTo(Hlc o) {
    int c = Long.compare(wallMillis, o.wallMillis);
    return c != 0 ? c : Integer.compare(logical, o.logical);
  }

  public boolean isAfter(Hlc o) {
    return compareTo(o) > 0;
  }

  @Override
  public String toString() {
    return wallMillis + "." + logical;
  }
}
