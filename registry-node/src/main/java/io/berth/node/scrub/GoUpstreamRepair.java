package io.berth.node.scrub;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.index.ModuleIndex;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.upstream.GoProxyUpstream;
import io.berth.node.upstream.UpstreamNotFoundException;
import java.util.ArrayList;
import java.util.List;

/**
 * Repairs Go module files (.info, .mod, .zip) that were pulled through from an upstream GOPROXY:
 * finds the version records naming the digest and re-fetches the file from the upstream list,
 * storing it only if it hashes to the same digest. Private modules are never fetched upstream
 * (DESIGN.md invariant 7), and published ones have no upstream: those need a peer region.
 */
public final class GoUpstreamRepair implements BlobRepairSource {
  private final ModuleIndex index;
  private final GoProxyUpstream upstream;
  private final PrivatePatterns privatePatterns;

  public GoUpstreamRepair(
      ModuleIndex index, GoProxyUpstream upstream, PrivatePatterns privatePatterns) {
    this.index = index;
    this.upstream = upstream;
    this.privatePatterns = privatePatterns;
  }

  @Override
  public String name() {
    return "go-upstream";
  }

  @Override
  public boolean repair(Digest digest, BlobStore store) throws Exception {
    if (!upstream.enabled()) {
      return false;
    }
    String d = digest.toString();
    List<String> paths = new ArrayList<>();
    index.forEachVersion(
        r -> {
          if (privatePatterns.matches(r.getModulePath())) {
            return;
          }
          String base =
              "/"
                  + ModulePath.escape(r.getModulePath())
                  + "/@v/"
                  + ModulePath.escape(r.getVersion());
          if (d.equals(r.getZipDigest())) {
            paths.add(base + ".zip");
          }
          if (d.equals(r.getModDigest())) {
            paths.add(base + ".mod");
          }
          if (d.equals(r.getInfoDigest())) {
            paths.add(base + ".info");
          }
        });
    for (String rel : paths) {
      try (GoProxyUpstream.Response resp = upstream.fetch(rel)) {
        store.put(resp.body(), PutExpectation.digest(digest));
        return true;
      } catch (UpstreamNotFoundException e) {
        // try the next record naming the same content
      }
    }
    return false;
  }
}
