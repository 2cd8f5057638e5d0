package io.berth.node.sumdb;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * The hashing of a go.sum database transparency log (RFC 6962 Merkle tree as used by
 * golang.org/x/mod/sumdb/tlog): a record hash is {@code SHA-256(0x00 || data)}, an interior node
 * {@code SHA-256(0x01 || left || right)}, a tree of {@code n} records splits at the largest power
 * of two smaller than {@code n}. Tiles of height {@code H} at level {@code L} list the hashes of
 * the complete subtrees of {@code 2^(L*H)} records.
 */
public final class Tlog {
  public static final int HASH_SIZE = 32;

  private Tlog() {}

  /** Reads a hash tile's content ({@code W * 32} bytes). */
  @FunctionalInterface
  public interface HashTiles {
    byte[] read(TilePath tile);
  }

  public static byte[] recordHash(byte[] data) {
    MessageDigest md = sha256();
    md.update((byte) 0);
    md.update(data);
    return md.digest();
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest md = sha256();
    md.update((byte) 1);
    md.update(left);
    md.update(right);
    return md.digest();
  }

  /**
   * Computes the root hash of the tree of {@code treeSize} records in which record {@code id} has
   * hash {@code recordHash}, taking every other subtree hash from tiles of height {@code height}.
   * The record is in the tree exactly when the result equals the signed tree hash (the tiles need
   * no separate authentication: any wrong tile changes the root).
   *
   * @throws IllegalArgumentException when {@code id} is not below {@code treeSize}
   * @throws SumdbException UPSTREAM_FAILED when a tile has the wrong size
   */
  public static byte[] rootWithRecord(
      long treeSize, long id, byte[] recordHash, int height, HashTiles tiles) {
    if (id < 0 || id >= treeSize) {
      throw new IllegalArgumentException("record " + id + " is not in a tree of " + treeSize);
    }
    return new Walk(treeSize, id, recordHash, height, tiles).hash(0, treeSize);
  }

  private static final class Walk {
    final long treeSize;
    final long id;
    final byte[] leaf;
    final int height;
    final HashTiles tiles;
    final Map<TilePath, byte[]> read = new HashMap<>();

    Walk(long treeSize, long id, byte[] leaf, int height, HashTiles tiles) {
      this.treeSize = treeSize;
      this.id = id;
      this.leaf = leaf;
      this.height = height;
      this.tiles = tiles;
    }

    byte[] hash(long lo, long hi) {
      long n = hi - lo;
      if (n == 1 && lo == id) {
        return leaf;
      }
      boolean complete = Long.bitCount(n) == 1 && lo % n == 0;
      if (complete && (id < lo || id >= hi)) {
        return completeSubtree(Long.numberOfTrailingZeros(n), lo / n);
      }
      long k = Long.highestOneBit(n - 1);
      return nodeHash(hash(lo, lo + k), hash(lo + k, hi));
    }

    /** The hash of the complete subtree at tree level {@code level}, position {@code index}. */
    byte[] completeSubtree(int level, long index) {
      int tileLevel = level / height;
      int within = level % height;
      long pos = index << within;
      long number = pos >> height;
      int offset = (int) (pos & ((1L << height) - 1));
      long count = treeSize >> (tileLevel * height);
      long start = number << height;
      int width = (int) Math.min(1L << height, count - start);
      TilePath t = new TilePath(height, tileLevel, number, width);
      byte[] data = read.computeIfAbsent(t, tiles::read);
      if (data.length != width * HASH_SIZE) {
        throw new SumdbException(
            SumdbException.Kind.UPSTREAM_FAILED,
            "tile " + t.path() + " has " + data.length + " bytes, expected " + width * HASH_SIZE);
      }
      return fold(data, offset * HASH_SIZE, (1 << within) * HASH_SIZE);
    }
  }

  /** The subtree hash of the {@code 2^k} hashes in {@code data[off, off+len)}. */
  static byte[] fold(byte[] data, int off, int len) {
    if (len == HASH_SIZE) {
      return java.util.Arrays.copyOfRange(data, off, off + HASH_SIZE);
    }
    int half = len / 2;
    return nodeHash(fold(data, off, half), fold(data, off + half, half));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
