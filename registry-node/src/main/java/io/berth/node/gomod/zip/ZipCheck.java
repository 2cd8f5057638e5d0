package io.berth.node.gomod.zip;

/** TEMPORARY placeholder until the gozip branch lands. */
public record ZipCheck(String h1, long zipSize, byte[] goMod, String goModH1) {}
