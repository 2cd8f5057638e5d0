package io.berth.node.storage;

import io.berth.common.Digest;

/** A blob that is durably stored: its digest, its size in bytes and its last-modified time. */
public record StoredBlob(Digest digest, long size, long modifiedMillis) {}
