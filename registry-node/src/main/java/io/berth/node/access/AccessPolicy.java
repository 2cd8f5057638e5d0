package io.berth.node.access;

/**
 * The one authorization decision every request passes before any service call: may this subject
 * perform this action on this resource?
 *
 * <p>Contract: never returns null; a denial carries the HTTP status (401 when the subject is
 * unauthenticated and credentials could help, 403 otherwise) and a reason safe to show.
 */
public interface AccessPolicy {

  /** What is being accessed. */
  enum ResourceKind {
    GO_MODULE,
    SUMDB,
    OCI_REPOSITORY,
    ADMIN
  }

  /** What the caller wants to do. */
  enum Action {
    READ,
    WRITE,
    DELETE
  }

  /** The caller; anonymous until token auth lands. */
  record Subject(String name, boolean authenticated) {
    public static final Subject ANONYMOUS = new Subject("anonymous", false);
  }

  /** The outcome of a decision. */
  record Decision(boolean allowed, int status, String reason) {
    public static final Decision ALLOW = new Decision(true, 200, "");

    public static Decision deny(int status, String reason) {
      return new Decision(false, status, reason);
    }
  }

  Decision decide(Subject subject, Action action, ResourceKind kind, String resource);
}
