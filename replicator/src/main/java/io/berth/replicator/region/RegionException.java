package io.berth.replicator.region;

/** A call to a region's nodes failed; subclasses say how. The message names region and cause. */
public class RegionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RegionException(String message, Throwable cause) {
    super(message, cause);
  }

  /** No node of the region answered (down, unreachable, overloaded); retry later. */
  public static final class Unavailable extends RegionException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The region knows a higher epoch for the link: this owner has been replaced and must stop
   * writing.
   */
  public static final class StaleFence extends RegionException {
    private static final long serialVersionUID = 1L;

    public StaleFence(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The content sent for a blob did not match its digest or size; nothing was stored. */
  public static final class Mismatch extends RegionException {
    private static final long serialVersionUID = 1L;

    public Mismatch(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Events were handed over before every blob they name was stored in the region. */
  public static final class MissingBlobs extends RegionException {
    private static final long serialVersionUID = 1L;

    public MissingBlobs(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** No node of the region holds the requested blob. */
  public static final class NoSuchBlob extends RegionException {
    private static final long serialVersionUID = 1L;

    public NoSuchBlob(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The region refused the request as malformed (a bug or a version mismatch). */
  public static final class Rejected extends RegionException {
    private static final long serialVersionUID = 1L;

    public Rejected(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
