package io.berth.node.sumdb;

import io.berth.common.ModulePath;
import io.berth.node.gomod.ChecksumVerifier;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Checks fetched module versions against one configured checksum database, as the go command would:
 * the lookup's tree note must be signed by the configured verifier key, the record must be in that
 * tree (its root is recomputed from the record hash and the database's hash tiles, read through the
 * proxy's cache), and the record's {@code h1:} hashes must equal the fetched ones.
 */
public final class SumdbChecksumVerifier implements ChecksumVerifier {
  private final SumdbService sumdb;
  private final String database;

  public SumdbChecksumVerifier(SumdbService sumdb, String database) {
    if (!sumdb.supported(database)) {
      throw new IllegalArgumentException(
          "go.verifyWithSumdb names '" + database + "', which is not in sumdb.databases");
    }
    this.sumdb = sumdb;
    this.database = database;
  }

  @Override
  public void verify(ModulePath path, String version, String zipH1, String modH1) {
    String what = path.value() + "@" + version;
    byte[] raw;
    try {
      raw = sumdb.lookupRecord(database, path, version);
    } catch (SumdbException e) {
      switch (e.kind()) {
        case NOT_FOUND ->
            throw new ChecksumMismatchException(
                "checksum database " + database + " does not know " + what + "; not stored");
        case PRIVATE, BAD_REQUEST -> throw new ChecksumMismatchException(e.getMessage());
        default ->
            throw new ChecksumUnavailableException(
                "cannot verify " + what + ": " + e.getMessage(), e);
      }
    }
    LookupResponse record;
    TreeHead tree;
    try {
      record = LookupResponse.parse(raw);
      tree = TreeHead.parse(SignedNote.open(record.signedTree(), sumdb.key(database)));
    } catch (IllegalArgumentException e) {
      throw new ChecksumUnavailableException(
          "cannot verify " + what + ": invalid answer from " + database + ": " + e.getMessage(), e);
    }
    if (record.id() >= tree.size()) {
      throw new ChecksumUnavailableException(
          "cannot verify " + what + ": record " + record.id() + " is not in the signed tree", null);
    }
    byte[] root;
    try {
      root =
          Tlog.rootWithRecord(
              tree.size(),
              record.id(),
              Tlog.recordHash(record.text()),
              SumdbService.TILE_HEIGHT,
              t -> sumdb.hashTile(database, t));
    } catch (SumdbException | UncheckedIOException e) {
      throw new ChecksumUnavailableException(
          "cannot verify " + what + ": reading tiles of " + database + ": " + e.getMessage(), e);
    }
    if (!Arrays.equals(root, tree.hash())) {
      throw new ChecksumMismatchException(
          "checksum database "
              + database
              + " answered a record for "
              + what
              + " that its signed tree does not contain; not stored");
    }
    check(what, "go.mod", modH1, record.hashFor(path.value(), version + "/go.mod"));
    if (zipH1 != null) {
      check(what, "zip", zipH1, record.hashFor(path.value(), version));
    }
  }

  private void check(String what, String file, String fetched, String expected) {
    if (expected == null) {
      throw new ChecksumMismatchException(
          "checksum database " + database + " has no " + file + " hash for " + what);
    }
    if (!expected.equals(fetched)) {
      throw new ChecksumMismatchException(
          "checksum mismatch for "
              + what
              + " ("
              + file
              + "): upstream content has "
              + fetched
              + ", checksum database "
              + database
              + " has "
              + expected
              + "; not stored");
    }
  }
}
