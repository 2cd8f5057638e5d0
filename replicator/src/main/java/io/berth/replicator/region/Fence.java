package io.berth.replicator.region;

/**
 * What every write of a link owner carries: the link id ({@code "<source>-><target>"}) and the
 * owner's epoch. Nodes refuse writes whose epoch is lower than the highest they have seen.
 */
public record Fence(String link, long epoch) {}
