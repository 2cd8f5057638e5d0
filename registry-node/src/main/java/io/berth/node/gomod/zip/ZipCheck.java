package io.berth.node.gomod.zip;

/**
 * The result of validating a module zip with {@link ModuleZipValidator}.
 *
 * @param h1 the zip's {@code h1:} hash, as the go command's dirhash.HashZip computes it
 * @param zipSize the zip file's size in bytes
 * @param goMod the root {@code go.mod} bytes (at most {@link ModuleZipRules#MAX_GO_MOD}), or {@code
 *     null} if the zip has none
 * @param goModH1 the {@code h1:} hash of {@code goMod}, or of the synthetic {@code module <path>\n}
 *     when the zip has no go.mod (what the {@code .mod} endpoint then serves)
 */
public record ZipCheck(String h1, long zipSize, byte[] goMod, String goModH1) {

  /** Whether the zip contains a root go.mod. */
  public boolean hasGoMod() {
    return goMod != null;
  }
}
