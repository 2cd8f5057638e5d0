package io.berth.node.index.rocksdb;

import io.berth.node.index.IndexException;
import io.berth.proto.index.v1.IndexMeta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Owns the node's RocksDB instance and its column families ({@link KeyLayout}). Every mutation goes
 * through {@link #write}, one {@link WriteBatch} with {@code sync=true}, so a mutation and anything
 * recorded with it (later: its change event) are durable together or not at all.
 *
 * <p>{@link #close()} waits for the calls in progress and then frees the native handles; a call
 * made after it throws {@link IndexException} instead of touching freed memory (which aborts the
 * JVM), so a thread that is still applying or reading at shut-down fails cleanly.
 */
public final class RocksIndexStore implements AutoCloseable {

  static {
    RocksDB.loadLibrary();
  }

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache blockCache;
  private final BloomFilter bloom;

  /**
   * The block cache shared by all column families (data, index and filter blocks). The defaults of
   * {@code optimizeForSmallDb} (a small cache, no bloom filters) made a lookup in a store of 100k
   * tags and manifests read and decode blocks from the page cache on most gets.
   */
  static final long BLOCK_CACHE_BYTES = 64L << 20;

  private final Map<String, ColumnFamilyHandle> handles = new HashMap<>();
  private final List<ColumnFamilyHandle> handleList = new ArrayList<>();
  private final WriteOptions syncWrite;
  private final WriteOptions unsyncedWrite;

  /**
   * Read side: every call into the database; write side: {@link #close()}. Reentrant, so a scan
   * visitor may call back into the store.
   */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private boolean closed;

  public RocksIndexStore(Path dir) {
    try {
      Files.createDirectories(dir);
      dbOptions =
          new DBOptions()
              .setCreateIfMissing(true)
              .setCreateMissingColumnFamilies(true)
              .setMaxBackgroundJobs(2);
      blockCache = new LRUCache(BLOCK_CACHE_BYTES);
      bloom = new BloomFilter(10, false);
      cfOptions =
          new ColumnFamilyOptions()
              .optimizeForSmallDb()
              .setTableFormatConfig(
                  new BlockBasedTableConfig()
                      .setBlockCache(blockCache)
                      .setFilterPolicy(bloom)
                      .setCacheIndexAndFilterBlocks(true)
                      .setPinL0FilterAndIndexBlocksInCache(true));
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
      for (String cf : KeyLayout.COLUMN_FAMILIES) {
        descriptors.add(new ColumnFamilyDescriptor(KeyLayout.utf8(cf), cfOptions));
      }
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handleList);
      for (int i = 0; i < KeyLayout.COLUMN_FAMILIES.size(); i++) {
        handles.put(KeyLayout.COLUMN_FAMILIES.get(i), handleList.get(i + 1));
      }
      syncWrite = new WriteOptions().setSync(true);
      unsyncedWrite = new WriteOptions().setSync(false);
      checkSchema();
    } catch (RocksDBException | IOException e) {
      throw new IndexException("cannot open the index at " + dir + ": " + e.getMessage(), e);
    }
  }

  private void checkSchema() throws RocksDBException {
    byte[] raw = db.get(cf(KeyLayout.CF_META), KeyLayout.META_SCHEMA_VERSION);
    if (raw == null) {
      IndexMeta meta =
          IndexMeta.newBuilder()
              .setSchemaVersion(KeyLayout.SCHEMA_VERSION)
              .setCreatedUnixMillis(System.currentTimeMillis())
              .build();
      write(b -> b.put(cf(KeyLayout.CF_META), KeyLayout.META_SCHEMA_VERSION, meta.toByteArray()));
      return;
    }
    try {
      int v = IndexMeta.parseFrom(raw).getSchemaVersion();
      if (v != KeyLayout.SCHEMA_VERSION) {
        throw new IndexException(
            "index schema version "
                + v
                + " is not supported (expected "
                + KeyLayout.SCHEMA_VERSION
                + ")",
            null);
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IndexException("index meta record is corrupt", e);
    }
  }

  /** One call into the database. */
  @FunctionalInterface
  private interface Call<T> {
    T run() throws RocksDBException;
  }

  /**
   * Runs {@code call} while the database is open and cannot be closed; a RocksDB error becomes an
   * {@link IndexException} saying {@code failure}.
   */
  private <T> T open(String failure, Call<T> call) {
    Lock l = lifecycle.readLock();
    l.lock();
    try {
      if (closed) {
        throw new IndexException("the index is closed (the node is shutting down)", null);
      }
      return call.run();
    } catch (RocksDBException e) {
      throw new IndexException(failure, e);
    } finally {
      l.unlock();
    }
  }

  /** The handle of a column family named in {@link KeyLayout}. */
  public ColumnFamilyHandle cf(String name) {
    ColumnFamilyHandle h = handles.get(name);
    if (h == null) {
      throw new IllegalArgumentException("unknown column family " + name);
    }
    return h;
  }

  /** Reads one value, or null. */
  public byte[] get(String cf, byte[] key) {
    return open("index read failed", () -> db.get(cf(cf), key));
  }

  /** A mutation recorded into a batch. */
  @FunctionalInterface
  public interface Mutation {
    void apply(WriteBatch batch) throws RocksDBException;
  }

  /** Applies {@code mutation} as one synced WriteBatch. */
  public void write(Mutation mutation) {
    write(mutation, syncWrite);
  }

  /**
   * Applies {@code mutation} as one atomic WriteBatch that is written to the WAL but not yet
   * synced: it is durable only after the next {@link #syncWal()} (or the next synced write). Only
   * for writes that are delivered again after a crash (events applied from the region log, whose
   * position is committed after the sync).
   */
  public void writeUnsynced(Mutation mutation) {
    write(mutation, unsyncedWrite);
  }

  /** Makes every write so far durable (one fsync of the WAL). */
  public void syncWal() {
    open(
        "index WAL sync failed",
        () -> {
          db.syncWal();
          return null;
        });
  }

  private void write(Mutation mutation, WriteOptions options) {
    open(
        "index write failed",
        () -> {
          try (WriteBatch batch = new WriteBatch()) {
            mutation.apply(batch);
            db.write(options, batch);
          }
          return null;
        });
  }

  /** Visits every key/value whose key starts with {@code prefix} in key order. */
  public void scan(String cf, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
    open(
        "index scan of " + cf + " failed",
        () -> {
          scanOpen(cf, prefix, visitor);
          return null;
        });
  }

  private void scanOpen(String cf, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
    try (ReadOptions ro = new ReadOptions().setPrefixSameAsStart(false);
        RocksIterator it = db.newIterator(cf(cf), ro)) {
      if (prefix.length == 0) {
        it.seekToFirst();
      } else {
        it.seek(prefix);
      }
      while (it.isValid()) {
        byte[] k = it.key();
        if (!startsWith(k, prefix)) {
          break;
        }
        visitor.accept(k, it.value());
        it.next();
      }
      checkStatus(it, cf);
    }
  }

  /** Key/value visitor that returns whether to continue. */
  @FunctionalInterface
  public interface Visitor {
    boolean visit(byte[] key, byte[] value);
  }

  /** Visits keys from {@code start} (inclusive) in key order until the visitor returns false. */
  public void scanFrom(String cf, byte[] start, Visitor visitor) {
    open(
        "index scan of " + cf + " failed",
        () -> {
          scanFromOpen(cf, start, visitor);
          return null;
        });
  }

  private void scanFromOpen(String cf, byte[] start, Visitor visitor) {
    try (RocksIterator it = db.newIterator(cf(cf))) {
      it.seek(start);
      while (it.isValid()) {
        if (!visitor.visit(it.key(), it.value())) {
          break;
        }
        it.next();
      }
      checkStatus(it, cf);
    }
  }

  /**
   * An iterator that is no longer valid ended either at the end of its range or on an error (an I/O
   * error or corruption met while reading): a scan must never end early without saying so (GC's
   * mark, tag lists), so the error is thrown.
   */
  static void checkStatus(RocksIterator it, String cf) {
    try {
      it.status();
    } catch (RocksDBException e) {
      throw new IndexException(
          "index scan of " + cf + " failed: " + e.getMessage() + " (the index may be corrupt)", e);
    }
  }

  /** Flushes the memtables to SST files (maintenance and tests). */
  public void flush() {
    open(
        "index flush failed",
        () -> {
          try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, handleList);
          }
          return null;
        });
  }

  private static boolean startsWith(byte[] k, byte[] prefix) {
    return k.length >= prefix.length
        && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * Waits for the calls in progress, then frees the database; later calls throw {@link
   * IndexException}. Idempotent.
   */
  @Override
  public void close() {
    Lock l = lifecycle.writeLock();
    l.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      free();
    } finally {
      l.unlock();
    }
  }

  private void free() {
    for (ColumnFamilyHandle h : handleList) {
      h.close();
    }
    db.close();
    syncWrite.close();
    unsyncedWrite.close();
    dbOptions.close();
    cfOptions.close();
    blockCache.close();
    bloom.close();
  }
}
