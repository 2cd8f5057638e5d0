package io.berth.node.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Ownership of a singleton maintenance job (garbage collection, scrub): at most one process runs
 * the job at a time (DESIGN.md invariant 6).
 *
 * <p>Contract: {@link #runAsOwner} runs {@code work} only while this process owns the job, and
 * passes it a fence that turns false as soon as ownership is lost; the work checks the fence before
 * each destructive step (a delete) and stops when it is false. If ownership cannot be had within
 * {@code wait}, the work does not run and the result is empty.
 */
public interface JobOwner extends AutoCloseable {

  /** Runs {@code work} as the owner, or returns empty if this process is not the owner. */
  <T> Optional<T> runAsOwner(Duration wait, Function<BooleanSupplier, T> work)
      throws InterruptedException;

  /** Who owns the job, for messages ("this node", "the ZooKeeper leader of /leaders/x", ...). */
  String describe();

  @Override
  void close();
}
