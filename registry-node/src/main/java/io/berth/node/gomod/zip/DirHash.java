package io.berth.node.gomod.zip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/** TEMPORARY placeholder until the gozip branch lands. */
public final class DirHash {
  private DirHash() {}

  public static String hashGoMod(byte[] goMod) {
    try {
      String line =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(goMod))
              + "  go.mod\n";
      byte[] sum =
          MessageDigest.getInstance("SHA-256").digest(line.getBytes(StandardCharsets.UTF_8));
      return "h1:" + Base64.getEncoder().encodeToString(sum);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
