package io.berth.node.index;

import java.util.List;

/**
 * A manifest names blobs the repository has no link to, or child manifests the repository does not
 * hold; nothing was written.
 */
public class OciReferenceMissingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String repository;
  private final List<String> missing;

  public OciReferenceMissingException(String repository, List<String> missing) {
    super(
        "repository "
            + repository
            + " does not hold "
            + (missing.size() == 1
                ? missing.get(0)
                : missing.size() + " referenced digests: " + missing));
    this.repository = repository;
    this.missing = List.copyOf(missing);
  }

  public String repository() {
    return repository;
  }

  /** The referenced digests that are missing, in manifest order. */
  public List<String> missing() {
    return missing;
  }
}
