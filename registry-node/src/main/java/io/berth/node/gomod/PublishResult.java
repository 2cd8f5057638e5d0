package io.berth.node.gomod;

/**
 * The outcome of publishing a module version. {@code created} is false for an identical re-publish.
 */
public record PublishResult(
    String module,
    String version,
    String zipH1,
    String goModH1,
    String zipDigest,
    boolean created) {}
