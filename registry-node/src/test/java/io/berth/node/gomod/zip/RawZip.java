package io.berth.node.gomod.zip;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes stored (uncompressed) zips byte by byte, so tests can produce what well-behaved zip
 * writers refuse to: duplicate names, lying sizes, local headers that disagree with the central
 * directory, names that are not UTF-8.
 */
public final class RawZip {

  /** One entry; the {@code *Lie} fields override what the headers declare when not null. */
  public static final class Entry {
    final byte[] name;
    final byte[] data;
    byte[] localName;
    public Long centralSize;
    public Long localSize;
    Long crc;
    int method;
    int flags;

    Entry(byte[] name, byte[] data) {
      this.name = name;
      this.data = data;
    }
  }

  private final List<Entry> entries = new ArrayList<>();

  public Entry add(String name, String data) {
    return add(name.getBytes(StandardCharsets.UTF_8), data.getBytes(StandardCharsets.UTF_8));
  }

  Entry add(byte[] name, byte[] data) {
    Entry e = new Entry(name, data);
    entries.add(e);
    return e;
  }

  public byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<Long> offsets = new ArrayList<>();
    for (Entry e : entries) {
      offsets.add((long) out.size());
      byte[] name = e.localName != null ? e.localName : e.name;
      ByteBuffer h = le(30 + name.length);
      h.putInt(0x04034b50).putShort((short) 20).putShort((short) e.flags);
      h.putShort((short) e.method).putShort((short) 0).putShort((short) 0x21);
      h.putInt((int) crc(e)).putInt(e.data.length);
      h.putInt((int) (e.localSize != null ? e.localSize : e.data.length));
      h.putShort((short) name.length).putShort((short) 0).put(name);
      out.writeBytes(h.array());
      out.writeBytes(e.data);
    }
    long cdStart = out.size();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      ByteBuffer h = le(46 + e.name.length);
      h.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) e.flags);
      h.putShort((short) e.method).putShort((short) 0).putShort((short) 0x21);
      h.putInt((int) crc(e)).putInt(e.data.length);
      h.putInt((int) (e.centralSize != null ? e.centralSize : e.data.length));
      h.putShort((short) e.name.length).putShort((short) 0).putShort((short) 0);
      h.putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) (long) offsets.get(i));
      h.put(e.name);
      out.writeBytes(h.array());
    }
    long cdSize = out.size() - cdStart;
    ByteBuffer end = le(22);
    end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0);
    end.putShort((short) entries.size()).putShort((short) entries.size());
    end.putInt((int) cdSize).putInt((int) cdStart).putShort((short) 0);
    out.writeBytes(end.array());
    return out.toByteArray();
  }

  private static long crc(Entry e) {
    if (e.crc != null) {
      return e.crc;
    }
    CRC32 c = new CRC32();
    c.update(e.data);
    return c.getValue();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
