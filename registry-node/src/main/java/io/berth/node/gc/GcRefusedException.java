package io.berth.node.gc;

/** Garbage collection refused to delete because sweeping is not safe now ({@link GcSafety}). */
public final class GcRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient GcSafety.Refusal refusal;

  public GcRefusedException(GcSafety.Refusal refusal) {
    super("garbage collection refused: " + refusal.reason());
    this.refusal = refusal;
  }

  public GcSafety.Refusal refusal() {
    return refusal;
  }
}
