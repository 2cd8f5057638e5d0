package io.berth.node.gomod;

import io.berth.common.ModulePath;

/**
 * Checks a fetched module version against a checksum database before it is stored.
 *
 * <p>Contract: returns normally when the database vouches for both hashes; throws {@link
 * ChecksumMismatchException} when the database holds different hashes (the content must not be
 * stored), and {@link ChecksumUnavailableException} when the database cannot be consulted (the
 * fetch fails, nothing is stored). Never called for private module paths.
 */
public interface ChecksumVerifier {

  /**
   * Verifies the zip hash and go.mod hash ({@code h1:} form) of {@code path@version}; with {@code
   * zipH1} null only the go.mod hash (a {@code .mod} fetched before its zip).
   */
  void verify(ModulePath path, String version, String zipH1, String modH1);

  /** A verifier that accepts everything (verification disabled). */
  ChecksumVerifier NONE = (path, version, zipH1, modH1) -> {};

  /** The checksum database holds different hashes for the version. */
  class ChecksumMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChecksumMismatchException(String message) {
      super(message);
    }
  }

  /** The checksum database could not be consulted. */
  class ChecksumUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChecksumUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
