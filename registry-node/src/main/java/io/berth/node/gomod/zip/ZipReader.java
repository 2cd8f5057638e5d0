package io.berth.node.gomod.zip;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A strict, streaming zip reader over a file channel. It walks the central directory one record at
 * a time (so memory does not grow with the number of entries), and {@link #stream} checks each
 * entry's local header against its central-directory record, counts the inflated bytes (stopping
 * one byte past the declared size), and verifies the CRC-32 and any data descriptor. Like Go's
 * archive/zip, the central directory is authoritative; unlike it, any disagreement with a local
 * header is an error, so a zip can never look different to a streaming extractor.
 */
final class ZipReader implements AutoCloseable {

  private static final int EOCD_SIG = 0x06054b50;
  private static final int EOCD64_LOCATOR_SIG = 0x07064b50;
  private static final int EOCD64_SIG = 0x06064b50;
  private static final int CEN_SIG = 0x02014b50;
  private static final int LOC_SIG = 0x04034b50;
  private static final int DD_SIG = 0x08074b50;
  private static final long U32 = 0xFFFFFFFFL;
  private static final String NOT_A_ZIP = "not a valid zip file";

  /** Receives streamed entry content. */
  interface Sink {
    void accept(byte[] buf, int off, int len) throws IOException;
  }

  /** One central-directory record. {@code name} is {@code null} if it is not valid UTF-8. */
  record Entry(
      int index,
      String name,
      byte[] rawName,
      int flags,
      int method,
      long crc,
      long compressedSize,
      long size,
      long localHeaderOffset) {

    boolean isDirectory() {
      return name != null && name.endsWith("/");
    }

    String displayName() {
      return name != null ? name : new String(rawName, StandardCharsets.UTF_8);
    }
  }

  private final FileChannel ch;
  private final long fileSize;
  private final long cdOffset;
  private final long cdEnd;
  private final long entryCount;
  private long cenPos;
  private long read;

  private ZipReader(FileChannel ch, long fileSize, long cdOffset, long cdSize, long entryCount) {
    this.ch = ch;
    this.fileSize = fileSize;
    this.cdOffset = cdOffset;
    this.cdEnd = cdOffset + cdSize;
    this.entryCount = entryCount;
    this.cenPos = cdOffset;
  }

  /**
   * Opens a zip and reads its end-of-central-directory record.
   *
   * @throws ModuleZipException if the file is larger than {@code maxZipBytes} or is not a zip
   */
  static ZipReader open(Path file, long maxZipBytes) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = ch.size();
      if (size > maxZipBytes) {
        throw new ModuleZipException(
            "module zip too large",
            "module zip file is too large ("
                + size
                + " bytes; limit is "
                + maxZipBytes
                + " bytes)");
      }
      ZipReader r = readDirectoryEnd(ch, size);
      ch = null;
      return r;
    } finally {
      if (ch != null) {
        ch.close();
      }
    }
  }

  long entryCount() {
    return entryCount;
  }

  private static ZipReader readDirectoryEnd(FileChannel ch, long size) throws IOException {
    int blockLen = (int) Math.min(size, 22 + 65535);
    if (blockLen < 22) {
      throw notZip("file too short");
    }
    ByteBuffer block = readAt(ch, size - blockLen, blockLen, size);
    int at = -1;
    for (int i = blockLen - 22; i >= 0; i--) {
      if (block.getInt(i) == EOCD_SIG) {
        int commentLen = Short.toUnsignedInt(block.getShort(i + 20));
        if (i + 22 + commentLen <= blockLen) {
          at = i;
          break;
        }
      }
    }
    if (at < 0) {
      throw notZip("no end of central directory record");
    }
    long eocdPos = size - blockLen + at;
    int disk = Short.toUnsignedInt(block.getShort(at + 4));
    int cdDisk = Short.toUnsignedInt(block.getShort(at + 6));
    long records = Short.toUnsignedInt(block.getShort(at + 10));
    long cdSize = Integer.toUnsignedLong(block.getInt(at + 12));
    long cdOffset = Integer.toUnsignedLong(block.getInt(at + 16));
    if (eocdPos >= 20) {
      ByteBuffer loc = readAt(ch, eocdPos - 20, 20, size);
      if (loc.getInt(0) == EOCD64_LOCATOR_SIG) {
        long eocd64 = loc.getLong(8);
        if (eocd64 < 0 || eocd64 > eocdPos - 20 - 56) {
          throw notZip("bad zip64 end of central directory locator");
        }
        ByteBuffer e = readAt(ch, eocd64, 56, size);
        if (e.getInt(0) != EOCD64_SIG) {
          throw notZip("bad zip64 end of central directory record");
        }
        disk = e.getInt(16);
        cdDisk = e.getInt(20);
        records = e.getLong(32);
        cdSize = e.getLong(40);
        cdOffset = e.getLong(48);
        eocdPos = eocd64;
      }
    }
    if (disk != 0 || cdDisk != 0) {
      throw notZip("multi-disk zip files are not supported");
    }
    if (records < 0
        || cdSize < 0
        || cdOffset < 0
        || cdOffset > eocdPos
        || cdSize > eocdPos - cdOffset) {
      throw notZip("central directory out of bounds");
    }
    if (records > cdSize / 46) {
      throw notZip("central directory record count exceeds its size");
    }
    return new ZipReader(ch, size, cdOffset, cdSize, records);
  }

  /**
   * The next central-directory record, or {@code null} after the last.
   *
   * @throws ModuleZipException if the directory is malformed
   */
  Entry next() throws IOException {
    if (read == entryCount) {
      if (cenPos != cdEnd) {
        throw notZip("central directory size does not match its records");
      }
      return null;
    }
    if (cenPos + 46 > cdEnd) {
      throw notZip("central directory truncated");
    }
    ByteBuffer h = readAt(ch, cenPos, 46, fileSize);
    if (h.getInt(0) != CEN_SIG) {
      throw notZip("bad central directory header");
    }
    int flags = Short.toUnsignedInt(h.getShort(8));
    int method = Short.toUnsignedInt(h.getShort(10));
    long crc = Integer.toUnsignedLong(h.getInt(16));
    long csize = Integer.toUnsignedLong(h.getInt(20));
    long usize = Integer.toUnsignedLong(h.getInt(24));
    int nameLen = Short.toUnsignedInt(h.getShort(28));
    int extraLen = Short.toUnsignedInt(h.getShort(30));
    int commentLen = Short.toUnsignedInt(h.getShort(32));
    long offset = Integer.toUnsignedLong(h.getInt(42));
    long varLen = (long) nameLen + extraLen + commentLen;
    if (cenPos + 46 + varLen > cdEnd) {
      throw notZip("central directory truncated");
    }
    ByteBuffer v = readAt(ch, cenPos + 46, (int) varLen, fileSize);
    byte[] rawName = new byte[nameLen];
    v.get(0, rawName);
    boolean needU = usize == U32;
    boolean needC = csize == U32;
    boolean needO = offset == U32;
    int p = nameLen;
    int extraEnd = nameLen + extraLen;
    while (p + 4 <= extraEnd) {
      int tag = Short.toUnsignedInt(v.getShort(p));
      int len = Short.toUnsignedInt(v.getShort(p + 2));
      int data = p + 4;
      if (data + len > extraEnd) {
        throw notZip("bad extra field");
      }
      if (tag == 0x0001) {
        int q = data;
        if (needU) {
          usize = zip64Field(v, q, data + len);
          q += 8;
          needU = false;
        }
        if (needC) {
          csize = zip64Field(v, q, data + len);
          q += 8;
          needC = false;
        }
        if (needO) {
          offset = zip64Field(v, q, data + len);
          needO = false;
        }
      }
      p = data + len;
    }
    if (needU || needC || needO) {
      throw notZip("missing zip64 extra field");
    }
    Entry e =
        new Entry(
            (int) Math.min(read, Integer.MAX_VALUE),
            decodeUtf8(rawName),
            rawName,
            flags,
            method,
            crc,
            csize,
            usize,
            offset);
    cenPos += 46 + varLen;
    read++;
    return e;
  }

  /**
   * Streams the entry's uncompressed content to {@code sink}, checking the local header, that the
   * content is exactly {@link Entry#size()} bytes (reading at most one byte more), its CRC-32 and
   * its data descriptor.
   *
   * @throws ModuleZipException for any inconsistency
   */
  void stream(Entry e, Sink sink) throws IOException {
    String name = e.displayName();
    if ((e.flags & 0x1) != 0) {
      throw bad(name, "encrypted entries are not supported");
    }
    if (e.method != 0 && e.method != 8) {
      throw bad(name, "unsupported compression method " + e.method);
    }
    long dataStart = checkLocalHeader(e, name);
    if (e.compressedSize > cdOffset - dataStart) {
      throw bad(name, "compressed data overlaps the central directory");
    }
    CRC32 crc = new CRC32();
    long[] count = {0};
    Sink counting =
        (buf, off, len) -> {
          count[0] += len;
          if (count[0] > e.size) {
            throw bad(
                name, "uncompressed size is larger than declared size (" + e.size + " bytes)");
          }
          crc.update(buf, off, len);
          sink.accept(buf, off, len);
        };
    if (e.method == 0) {
      copyRaw(dataStart, e.compressedSize, counting);
    } else {
      inflate(dataStart, e.compressedSize, counting, name, e.size);
    }
    if (count[0] != e.size) {
      throw bad(
          name,
          "uncompressed size " + count[0] + " does not match declared size (" + e.size + " bytes)");
    }
    if (crc.getValue() != e.crc) {
      throw bad(name, "CRC-32 checksum mismatch");
    }
    if ((e.flags & 0x8) != 0) {
      checkDataDescriptor(e, name, dataStart + e.compressedSize);
    }
  }

  private long checkLocalHeader(Entry e, String name) throws IOException {
    if (e.localHeaderOffset > cdOffset - 30) {
      throw bad(name, "local header offset out of bounds");
    }
    ByteBuffer h = readAt(ch, e.localHeaderOffset, 30, fileSize);
    if (h.getInt(0) != LOC_SIG) {
      throw bad(name, "bad local file header");
    }
    int flags = Short.toUnsignedInt(h.getShort(6));
    int method = Short.toUnsignedInt(h.getShort(8));
    long crc = Integer.toUnsignedLong(h.getInt(14));
    long csize = Integer.toUnsignedLong(h.getInt(18));
    long usize = Integer.toUnsignedLong(h.getInt(22));
    int nameLen = Short.toUnsignedInt(h.getShort(26));
    int extraLen = Short.toUnsignedInt(h.getShort(28));
    long dataStart = e.localHeaderOffset + 30 + nameLen + extraLen;
    if (dataStart > cdOffset) {
      throw bad(name, "local header out of bounds");
    }
    ByteBuffer v = readAt(ch, e.localHeaderOffset + 30, nameLen + extraLen, fileSize);
    byte[] locName = new byte[nameLen];
    v.get(0, locName);
    if (!Arrays.equals(locName, e.rawName)) {
      throw bad(name, "local header name differs from central directory name");
    }
    if (method != e.method) {
      throw bad(name, "local header compression method differs from central directory");
    }
    if (((flags ^ e.flags) & 0x9) != 0) {
      throw bad(name, "local header flags differ from central directory");
    }
    if (csize == U32 || usize == U32) {
      int p = nameLen;
      while (p + 4 <= nameLen + extraLen) {
        int tag = Short.toUnsignedInt(v.getShort(p));
        int len = Short.toUnsignedInt(v.getShort(p + 2));
        if (tag == 0x0001 && len >= 16 && p + 4 + len <= nameLen + extraLen) {
          usize = usize == U32 ? v.getLong(p + 4) : usize;
          csize = csize == U32 ? v.getLong(p + 12) : csize;
          break;
        }
        p += 4 + len;
      }
    }
    boolean descriptor = (e.flags & 0x8) != 0;
    boolean zeros = crc == 0 && csize == 0 && usize == 0;
    if (!(descriptor && zeros) && (crc != e.crc || csize != e.compressedSize || usize != e.size)) {
      throw bad(
          name,
          "local header size or CRC-32 differs from central directory (local size "
              + usize
              + ", central size "
              + e.size
              + ")");
    }
    return dataStart;
  }

  private void checkDataDescriptor(Entry e, String name, long at) throws IOException {
    long avail = cdOffset - at;
    int len = (int) Math.min(avail, 24);
    if (len < 12) {
      throw bad(name, "data descriptor missing");
    }
    ByteBuffer d = readAt(ch, at, len, fileSize);
    int p = d.getInt(0) == DD_SIG ? 4 : 0;
    if (len < p + 12 || Integer.toUnsignedLong(d.getInt(p)) != e.crc) {
      throw bad(name, "data descriptor CRC-32 differs from central directory");
    }
    boolean small =
        Integer.toUnsignedLong(d.getInt(p + 4)) == e.compressedSize
            && Integer.toUnsignedLong(d.getInt(p + 8)) == e.size;
    boolean large =
        len >= p + 20 && d.getLong(p + 4) == e.compressedSize && d.getLong(p + 12) == e.size;
    if (!small && !large) {
      throw bad(name, "data descriptor sizes differ from central directory");
    }
  }

  private void copyRaw(long pos, long len, Sink sink) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    long end = pos + len;
    while (pos < end) {
      buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new EOFException("zip truncated");
      }
      pos += n;
      sink.accept(buf.array(), 0, n);
    }
  }

  private void inflate(long pos, long len, Sink sink, String name, long declared)
      throws IOException {
    Inflater inf = new Inflater(true);
    try {
      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      byte[] out = new byte[64 * 1024];
      long end = pos + len;
      boolean dummyFed = false;
      while (!inf.finished()) {
        if (inf.needsInput()) {
          if (pos < end) {
            in.clear().limit((int) Math.min(in.capacity(), end - pos));
            int n = ch.read(in, pos);
            if (n < 0) {
              throw new EOFException("zip truncated");
            }
            pos += n;
            inf.setInput(in.array(), 0, n);
          } else if (!dummyFed) {
            dummyFed = true;
            inf.setInput(new byte[1], 0, 1);
          } else {
            throw bad(name, "compressed data is truncated");
          }
        }
        int n;
        try {
          n = inf.inflate(out);
        } catch (DataFormatException ex) {
          throw bad(name, "corrupt compressed data");
        }
        if (n > 0) {
          sink.accept(out, 0, n);
        } else if (inf.needsDictionary()) {
          throw bad(name, "corrupt compressed data");
        }
      }
    } finally {
      inf.end();
    }
  }

  private static long zip64Field(ByteBuffer v, int at, int end) {
    if (at + 8 > end) {
      throw notZip("bad zip64 extra field");
    }
    long x = v.getLong(at);
    if (x < 0) {
      throw notZip("bad zip64 extra field");
    }
    return x;
  }

  private static String decodeUtf8(byte[] raw) {
    try {
      CharBuffer cb =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw));
      return cb.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static ByteBuffer readAt(FileChannel ch, long pos, int len, long size)
      throws IOException {
    if (pos < 0 || pos + len > size) {
      throw notZip("truncated");
    }
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + b.position());
      if (n < 0) {
        throw notZip("truncated");
      }
    }
    return b.flip();
  }

  private static ModuleZipException notZip(String why) {
    return new ModuleZipException(NOT_A_ZIP, why);
  }

  private static ModuleZipException bad(String name, String why) {
    return new ModuleZipException(
        "invalid module zip", java.util.List.of(new ModuleZipException.Problem(name, why)));
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
