package io.berth.node.index.rocksdb;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.berth.common.Digest;
import io.berth.common.Hlc;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.ChangeLog.ApplyResult;
import io.berth.node.index.IndexException;
import io.berth.node.index.LwwStamps;
import io.berth.node.index.OciIndex;
import io.berth.node.index.OciReferenceMissingException;
import io.berth.proto.events.v1.BlobLinkAdded;
import io.berth.proto.events.v1.BlobLinkRemoved;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.ManifestDelete;
import io.berth.proto.events.v1.ManifestPut;
import io.berth.proto.events.v1.TagDelete;
import io.berth.proto.events.v1.TagSet;
import io.berth.proto.index.v1.LwwStamp;
import io.berth.proto.index.v1.OciBlobLinkRecord;
import io.berth.proto.index.v1.OciDescriptor;
import io.berth.proto.index.v1.OciManifestRecord;
import io.berth.proto.index.v1.OciTagRecord;
import io.berth.proto.index.v1.OciUploadSession;
import io.berth.proto.index.v1.OciUpstreamTagRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * {@link OciIndex} on RocksDB ({@link KeyLayout} {@code oci_*} column families). Local mutations
 * run under the change log's commit lock, read the current entries, and write the new entries with
 * their events through {@link RocksChangeLog#recordAll}; remote events are applied by {@link
 * #applyRemote} (registered with {@link RocksChangeLog#addApplier}) with last-writer-wins rules.
 * Every OCI event of a repository carries the key {@code oci:<repository>}, so a repository's
 * events keep their order on the region topic.
 */
public final class RocksOciIndex implements OciIndex {
  private final RocksIndexStore store;
  private final RocksChangeLog changes;

  public RocksOciIndex(RocksIndexStore store, RocksChangeLog changes) {
    this.store = store;
    this.changes = changes;
  }

  /** The change-log key of a repository's events. */
  static String eventKey(String repository) {
    return "oci:" + repository;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<OciManifestRecord> manifest(RepositoryName repository, Digest digest) {
    OciManifestRecord m = rawManifest(repository.value(), digest.toString());
    return m == null || m.getDeleted() ? Optional.empty() : Optional.of(m);
  }

  @Override
  public Optional<Digest> tag(RepositoryName repository, Tag tag) {
    OciTagRecord t = rawTag(repository.value(), tag.value());
    return t == null || t.getDeleted()
        ? Optional.empty()
        : Optional.of(Digest.parse(t.getDigest()));
  }

  @Override
  public List<Tag> tags(RepositoryName repository, Tag after, int limit) {
    List<Tag> out = new ArrayList<>();
    if (limit <= 0) {
      return out;
    }
    byte[] prefix = KeyLayout.ociRepositoryPrefix(repository.value());
    byte[] start = after == null ? prefix : KeyLayout.ociEntry(repository.value(), after.value());
    store.scanFrom(
        KeyLayout.CF_OCI_TAGS,
        start,
        (k, v) -> {
          if (!startsWith(k, prefix)) {
            return false;
          }
          if (after != null && Arrays.equals(k, start)) {
            return true;
          }
          OciTagRecord t = parse(OciTagRecord.parser(), v, "tag");
          if (!t.getDeleted()) {
            out.add(Tag.parse(t.getTag()));
          }
          return out.size() < limit;
        });
    return out;
  }

  @Override
  public List<Tag> tagsOf(RepositoryName repository, Digest digest) {
    List<Tag> out = new ArrayList<>();
    String d = digest.toString();
    store.scan(
        KeyLayout.CF_OCI_TAGS,
        KeyLayout.ociRepositoryPrefix(repository.value()),
        (k, v) -> {
          OciTagRecord t = parse(OciTagRecord.parser(), v, "tag");
          if (!t.getDeleted() && t.getDigest().equals(d)) {
            out.add(Tag.parse(t.getTag()));
          }
        });
    return out;
  }

  @Override
  public Optional<OciBlobLinkRecord> blobLink(RepositoryName repository, Digest digest) {
    OciBlobLinkRecord l = rawLink(repository.value(), digest.toString());
    return l == null || l.getDeleted() ? Optional.empty() : Optional.of(l);
  }

  @Override
  public boolean repositoryExists(RepositoryName repository) {
    byte[] prefix = KeyLayout.ociRepositoryPrefix(repository.value());
    return anyLive(KeyLayout.CF_OCI_MANIFESTS, prefix, OciManifestRecord.parser())
        || anyLive(KeyLayout.CF_OCI_TAGS, prefix, OciTagRecord.parser())
        || anyLive(KeyLayout.CF_OCI_LINKS, prefix, OciBlobLinkRecord.parser());
  }

  @Override
  public List<RepositoryName> repositories(
      RepositoryName after, int limit, Predicate<RepositoryName> include) {
    List<RepositoryName> out = new ArrayList<>();
    byte[] start = after == null ? new byte[0] : KeyLayout.ociAfterRepository(after.value());
    while (out.size() < limit) {
      byte[][] first = {null};
      store.scanFrom(
          KeyLayout.CF_OCI_MANIFESTS,
          start,
          (k, v) -> {
            first[0] = k;
            return false;
          });
      if (first[0] == null) {
        break;
      }
      String repo = KeyLayout.ociRepositoryOf(first[0]);
      if (anyLive(
          KeyLayout.CF_OCI_MANIFESTS,
          KeyLayout.ociRepositoryPrefix(repo),
          OciManifestRecord.parser())) {
        RepositoryName name = RepositoryName.parse(repo);
        if (include.test(name)) {
          out.add(name);
        }
      }
      start = KeyLayout.ociAfterRepository(repo);
    }
    return out;
  }

  @Override
  public List<OciDescriptor> referrers(RepositoryName repository, Digest subject) {
    List<OciDescriptor> out = new ArrayList<>();
    store.scan(
        KeyLayout.CF_OCI_REFERRERS,
        KeyLayout.ociReferrersPrefix(repository.value(), subject.toString()),
        (k, v) -> out.add(parse(OciDescriptor.parser(), v, "referrer")));
    return out;
  }

  // ---------------------------------------------------------------- local writes

  @Override
  public ManifestWriteResult putManifest(ManifestWrite write) {
    return writeManifest(write, null, false);
  }

  @Override
  public ManifestWriteResult putCachedManifest(
      OciManifestRecord manifest, Optional<Tag> tag, Optional<OciUpstreamTagRecord> check) {
    return writeManifest(
        new ManifestWrite(manifest, tag, List.of(), List.of()),
        tag.isPresent() ? check.orElse(null) : null,
        true);
  }

  @Override
  public Optional<OciUpstreamTagRecord> upstreamTag(RepositoryName repository, Tag tag) {
    byte[] raw =
        store.get(
            KeyLayout.CF_OCI_UPSTREAM_TAGS, KeyLayout.ociEntry(repository.value(), tag.value()));
    return Optional.ofNullable(raw)
        .map(v -> parse(OciUpstreamTagRecord.parser(), v, "upstream tag check"));
  }

  @Override
  public void putUpstreamTag(OciUpstreamTagRecord check) {
    store.write(b -> putCheck(b, check));
  }

  private void putCheck(WriteBatch batch, OciUpstreamTagRecord check) throws RocksDBException {
    batch.put(
        store.cf(KeyLayout.CF_OCI_UPSTREAM_TAGS),
        KeyLayout.ociEntry(check.getRepository(), check.getTag()),
        check.toByteArray());
  }

  /**
   * A manifest write; reference checks come from {@code write} (empty for cached manifests, whose
   * event is marked {@code pull_through_cached} so replication requires only their own bytes).
   */
  private ManifestWriteResult writeManifest(
      ManifestWrite write, OciUpstreamTagRecord check, boolean cached) {
    OciManifestRecord m = write.manifest();
    String repo = m.getRepository();
    String digest = m.getDigest();
    return changes.locked(
        () -> {
          List<String> missing = new ArrayList<>();
          for (Digest d : write.requiredBlobLinks()) {
            OciBlobLinkRecord l = rawLink(repo, d.toString());
            if (l == null || l.getDeleted()) {
              missing.add(d.toString());
            }
          }
          for (Digest d : write.requiredManifests()) {
            OciManifestRecord c = rawManifest(repo, d.toString());
            if (c == null || c.getDeleted()) {
              missing.add(d.toString());
            }
          }
          if (!missing.isEmpty()) {
            throw new OciReferenceMissingException(repo, missing);
          }
          OciManifestRecord current = rawManifest(repo, digest);
          boolean createManifest = current == null || current.getDeleted();
          OciTagRecord currentTag = write.tag().map(t -> rawTag(repo, t.value())).orElse(null);
          boolean tagChanged =
              write.tag().isPresent()
                  && (currentTag == null
                      || currentTag.getDeleted()
                      || !currentTag.getDigest().equals(digest));
          // an explicit push is a new write for last-writer-wins even if nothing changes here:
          // it must win over an older remote delete or retag this node has not seen yet
          LwwStamp stamp = newStamp();
          OciManifestRecord stored =
              (createManifest ? m : current).toBuilder().setStamp(stamp).build();
          String key = eventKey(repo);
          List<RocksChangeLog.Draft> drafts = new ArrayList<>();
          drafts.add(
              new RocksChangeLog.Draft(key, e -> e.setManifestPut(manifestPut(stored, cached))));
          OciBlobLinkRecord newLink =
              OciBlobLinkRecord.newBuilder()
                  .setRepository(repo)
                  .setDigest(digest)
                  .setSize(m.getSize())
                  .setStamp(stamp)
                  .setLinkedUnixMillis(System.currentTimeMillis())
                  .build();
          drafts.add(new RocksChangeLog.Draft(key, e -> e.setBlobLinkAdded(linkAdded(newLink))));
          OciTagRecord newTag =
              write.tag().isPresent()
                  ? OciTagRecord.newBuilder()
                      .setRepository(repo)
                      .setTag(write.tag().get().value())
                      .setDigest(digest)
                      .setStamp(stamp)
                      .build()
                  : null;
          if (newTag != null) {
            drafts.add(new RocksChangeLog.Draft(key, e -> e.setTagSet(tagSet(newTag))));
          }
          changes.recordAll(
              drafts,
              batch -> {
                replaceManifest(batch, current, stored);
                batch.put(
                    store.cf(KeyLayout.CF_OCI_LINKS),
                    KeyLayout.ociEntry(repo, digest),
                    newLink.toByteArray());
                if (newTag != null) {
                  batch.put(
                      store.cf(KeyLayout.CF_OCI_TAGS),
                      KeyLayout.ociEntry(repo, newTag.getTag()),
                      newTag.toByteArray());
                }
                if (check != null) {
                  putCheck(batch, check);
                }
              });
          return new ManifestWriteResult(stored, createManifest, tagChanged);
        });
  }

  @Override
  public boolean linkBlob(RepositoryName repository, Digest digest, long size) {
    return link(repository, digest, size, null);
  }

  @Override
  public boolean linkUploadedBlob(
      RepositoryName repository, Digest digest, long size, String uploadId) {
    return link(repository, digest, size, uploadId);
  }

  /** Links the blob; with an {@code uploadId}, removes that session in the same batch. */
  private boolean link(RepositoryName repository, Digest digest, long size, String uploadId) {
    String repo = repository.value();
    String d = digest.toString();
    return changes.locked(
        () -> {
          OciBlobLinkRecord current = rawLink(repo, d);
          boolean created = current == null || current.getDeleted();
          OciBlobLinkRecord link =
              OciBlobLinkRecord.newBuilder()
                  .setRepository(repo)
                  .setDigest(d)
                  .setSize(size)
                  .setStamp(newStamp())
                  .setLinkedUnixMillis(System.currentTimeMillis())
                  .build();
          changes.record(
              eventKey(repo),
              e -> e.setBlobLinkAdded(linkAdded(link)),
              batch -> {
                batch.put(
                    store.cf(KeyLayout.CF_OCI_LINKS),
                    KeyLayout.ociEntry(repo, d),
                    link.toByteArray());
                if (uploadId != null) {
                  batch.delete(store.cf(KeyLayout.CF_OCI_UPLOADS), KeyLayout.ociUpload(uploadId));
                }
              });
          return created;
        });
  }

  @Override
  public boolean unlinkBlob(RepositoryName repository, Digest digest) {
    String repo = repository.value();
    String d = digest.toString();
    return changes.locked(
        () -> {
          OciBlobLinkRecord current = rawLink(repo, d);
          if (current == null || current.getDeleted()) {
            return false;
          }
          OciBlobLinkRecord tomb = linkTombstone(repo, d, newStamp());
          changes.record(
              eventKey(repo),
              e -> e.setBlobLinkRemoved(linkRemoved(tomb)),
              batch ->
                  batch.put(
                      store.cf(KeyLayout.CF_OCI_LINKS),
                      KeyLayout.ociEntry(repo, d),
                      tomb.toByteArray()));
          return true;
        });
  }

  @Override
  public boolean deleteTag(RepositoryName repository, Tag tag) {
    String repo = repository.value();
    return changes.locked(
        () -> {
          OciTagRecord current = rawTag(repo, tag.value());
          if (current == null || current.getDeleted()) {
            return false;
          }
          OciTagRecord tomb = tagTombstone(repo, tag.value(), newStamp());
          changes.record(
              eventKey(repo),
              e -> e.setTagDelete(tagDelete(tomb)),
              batch ->
                  batch.put(
                      store.cf(KeyLayout.CF_OCI_TAGS),
                      KeyLayout.ociEntry(repo, tag.value()),
                      tomb.toByteArray()));
          return true;
        });
  }

  @Override
  public boolean deleteManifest(RepositoryName repository, Digest digest) {
    String repo = repository.value();
    String d = digest.toString();
    return changes.locked(
        () -> {
          OciManifestRecord current = rawManifest(repo, d);
          if (current == null || current.getDeleted()) {
            return false;
          }
          List<Tag> tags = tagsOf(repository, digest);
          OciBlobLinkRecord link = rawLink(repo, d);
          boolean unlink = link != null && !link.getDeleted();
          LwwStamp stamp = newStamp();
          OciManifestRecord tomb = manifestTombstone(repo, d, stamp);
          String key = eventKey(repo);
          List<RocksChangeLog.Draft> drafts = new ArrayList<>();
          drafts.add(
              new RocksChangeLog.Draft(
                  key,
                  e ->
                      e.setManifestDelete(
                          ManifestDelete.newBuilder()
                              .setRepository(repo)
                              .setDigest(d)
                              .setStamp(stamp))));
          List<OciTagRecord> tagTombs = new ArrayList<>();
          for (Tag t : tags) {
            OciTagRecord tt = tagTombstone(repo, t.value(), stamp);
            tagTombs.add(tt);
            drafts.add(new RocksChangeLog.Draft(key, e -> e.setTagDelete(tagDelete(tt))));
          }
          OciBlobLinkRecord linkTomb = linkTombstone(repo, d, stamp);
          if (unlink) {
            drafts.add(
                new RocksChangeLog.Draft(key, e -> e.setBlobLinkRemoved(linkRemoved(linkTomb))));
          }
          changes.recordAll(
              drafts,
              batch -> {
                replaceManifest(batch, current, tomb);
                for (OciTagRecord tt : tagTombs) {
                  batch.put(
                      store.cf(KeyLayout.CF_OCI_TAGS),
                      KeyLayout.ociEntry(repo, tt.getTag()),
                      tt.toByteArray());
                }
                if (unlink) {
                  batch.put(
                      store.cf(KeyLayout.CF_OCI_LINKS),
                      KeyLayout.ociEntry(repo, d),
                      linkTomb.toByteArray());
                }
              });
          return true;
        });
  }

  // ---------------------------------------------------------------- remote apply

  /**
   * Applies an OCI change from another node into {@code batch} (the caller holds the commit lock
   * and writes the batch), or returns null for changes that are not OCI's. Last-writer-wins: an
   * entry changes only if the event's stamp is greater than the stored one (tombstones included),
   * so any arrival order converges and a replay changes nothing.
   */
  public ApplyResult applyRemote(ChangeEvent event, WriteBatch batch) throws RocksDBException {
    LwwStamp fallback =
        LwwStamps.of(
            new Hlc(event.getHlc().getWallMillis(), event.getHlc().getLogical()),
            event.getOriginRegion(),
            event.getOriginNode());
    switch (event.getChangeCase()) {
      case MANIFEST_PUT:
        {
          ManifestPut p = event.getManifestPut();
          OciManifestRecord incoming =
              OciManifestRecord.newBuilder()
                  .setRepository(p.getRepository())
                  .setDigest(p.getDigest())
                  .setMediaType(p.getMediaType())
                  .setSize(p.getSize())
                  .addAllReferencedDigests(p.getReferencedDigestsList())
                  .setSubjectDigest(p.getSubjectDigest())
                  .setArtifactType(p.getArtifactType())
                  .putAllAnnotations(p.getAnnotationsMap())
                  .setStamp(p.hasStamp() ? p.getStamp() : fallback)
                  .setStoredUnixMillis(p.getStoredUnixMillis())
                  .build();
          OciManifestRecord current = rawManifest(p.getRepository(), p.getDigest());
          ApplyResult r = decide(incoming.getStamp(), current == null ? null : current.getStamp());
          if (r == ApplyResult.APPLIED) {
            replaceManifest(batch, current, incoming);
          }
          return r;
        }
      case MANIFEST_DELETE:
        {
          ManifestDelete del = event.getManifestDelete();
          OciManifestRecord tomb =
              manifestTombstone(
                  del.getRepository(), del.getDigest(), del.hasStamp() ? del.getStamp() : fallback);
          OciManifestRecord current = rawManifest(del.getRepository(), del.getDigest());
          ApplyResult r = decide(tomb.getStamp(), current == null ? null : current.getStamp());
          if (r == ApplyResult.APPLIED) {
            replaceManifest(batch, current, tomb);
          }
          return r;
        }
      case TAG_SET:
        {
          TagSet t = event.getTagSet();
          return applyTag(
              batch,
              OciTagRecord.newBuilder()
                  .setRepository(t.getRepository())
                  .setTag(t.getTag())
                  .setDigest(t.getDigest())
                  .setStamp(t.hasStamp() ? t.getStamp() : fallback)
                  .build());
        }
      case TAG_DELETE:
        {
          TagDelete t = event.getTagDelete();
          return applyTag(
              batch,
              tagTombstone(t.getRepository(), t.getTag(), t.hasStamp() ? t.getStamp() : fallback));
        }
      case BLOB_LINK_ADDED:
        {
          BlobLinkAdded l = event.getBlobLinkAdded();
          return applyLink(
              batch,
              OciBlobLinkRecord.newBuilder()
                  .setRepository(l.getRepository())
                  .setDigest(l.getDigest())
                  .setSize(l.getSize())
                  .setStamp(l.hasStamp() ? l.getStamp() : fallback)
                  .setLinkedUnixMillis(System.currentTimeMillis())
                  .build());
        }
      case BLOB_LINK_REMOVED:
        {
          BlobLinkRemoved l = event.getBlobLinkRemoved();
          return applyLink(
              batch,
              linkTombstone(
                  l.getRepository(), l.getDigest(), l.hasStamp() ? l.getStamp() : fallback));
        }
      default:
        return null;
    }
  }

  private ApplyResult applyTag(WriteBatch batch, OciTagRecord incoming) throws RocksDBException {
    OciTagRecord current = rawTag(incoming.getRepository(), incoming.getTag());
    ApplyResult r = decide(incoming.getStamp(), current == null ? null : current.getStamp());
    if (r == ApplyResult.APPLIED) {
      batch.put(
          store.cf(KeyLayout.CF_OCI_TAGS),
          KeyLayout.ociEntry(incoming.getRepository(), incoming.getTag()),
          incoming.toByteArray());
    }
    return r;
  }

  private ApplyResult applyLink(WriteBatch batch, OciBlobLinkRecord incoming)
      throws RocksDBException {
    OciBlobLinkRecord current = rawLink(incoming.getRepository(), incoming.getDigest());
    ApplyResult r = decide(incoming.getStamp(), current == null ? null : current.getStamp());
    if (r == ApplyResult.APPLIED) {
      batch.put(
          store.cf(KeyLayout.CF_OCI_LINKS),
          KeyLayout.ociEntry(incoming.getRepository(), incoming.getDigest()),
          incoming.toByteArray());
    }
    return r;
  }

  private static ApplyResult decide(LwwStamp incoming, LwwStamp current) {
    if (current == null) {
      return ApplyResult.APPLIED;
    }
    int c = LwwStamps.ORDER.compare(incoming, current);
    return c > 0 ? ApplyResult.APPLIED : c == 0 ? ApplyResult.DUPLICATE : ApplyResult.SUPERSEDED;
  }

  // ---------------------------------------------------------------- upload sessions

  @Override
  public void putUpload(OciUploadSession session) {
    store.write(
        b ->
            b.put(
                store.cf(KeyLayout.CF_OCI_UPLOADS),
                KeyLayout.ociUpload(session.getId()),
                session.toByteArray()));
  }

  @Override
  public Optional<OciUploadSession> upload(String id) {
    byte[] raw = store.get(KeyLayout.CF_OCI_UPLOADS, KeyLayout.ociUpload(id));
    return Optional.ofNullable(raw).map(v -> parse(OciUploadSession.parser(), v, "upload"));
  }

  @Override
  public void deleteUpload(String id) {
    store.write(b -> b.delete(store.cf(KeyLayout.CF_OCI_UPLOADS), KeyLayout.ociUpload(id)));
  }

  @Override
  public void forEachUpload(Consumer<OciUploadSession> visitor) {
    store.scan(
        KeyLayout.CF_OCI_UPLOADS,
        new byte[0],
        (k, v) -> visitor.accept(parse(OciUploadSession.parser(), v, "upload")));
  }

  // ---------------------------------------------------------------- visitors

  @Override
  public void forEachManifest(Consumer<OciManifestRecord> visitor) {
    store.scan(
        KeyLayout.CF_OCI_MANIFESTS,
        new byte[0],
        (k, v) -> {
          OciManifestRecord m = parse(OciManifestRecord.parser(), v, "manifest");
          if (!m.getDeleted()) {
            visitor.accept(m);
          }
        });
  }

  @Override
  public void forEachBlobLink(Consumer<OciBlobLinkRecord> visitor) {
    store.scan(
        KeyLayout.CF_OCI_LINKS,
        new byte[0],
        (k, v) -> {
          OciBlobLinkRecord l = parse(OciBlobLinkRecord.parser(), v, "blob link");
          if (!l.getDeleted()) {
            visitor.accept(l);
          }
        });
  }

  @Override
  public void forEachTag(Consumer<OciTagRecord> visitor) {
    store.scan(
        KeyLayout.CF_OCI_TAGS,
        new byte[0],
        (k, v) -> {
          OciTagRecord t = parse(OciTagRecord.parser(), v, "tag");
          if (!t.getDeleted()) {
            visitor.accept(t);
          }
        });
  }

  // ---------------------------------------------------------------- helpers

  private LwwStamp newStamp() {
    return LwwStamps.of(changes.clock().now(), changes.region(), changes.nodeId());
  }

  /** Writes {@code next} over {@code current}, keeping the referrers entry consistent. */
  private void replaceManifest(WriteBatch batch, OciManifestRecord current, OciManifestRecord next)
      throws RocksDBException {
    if (current != null && !current.getDeleted() && !current.getSubjectDigest().isEmpty()) {
      batch.delete(
          store.cf(KeyLayout.CF_OCI_REFERRERS),
          KeyLayout.ociReferrer(
              current.getRepository(), current.getSubjectDigest(), current.getDigest()));
    }
    writeManifest(batch, next);
  }

  private void writeManifest(WriteBatch batch, OciManifestRecord m) throws RocksDBException {
    batch.put(
        store.cf(KeyLayout.CF_OCI_MANIFESTS),
        KeyLayout.ociEntry(m.getRepository(), m.getDigest()),
        m.toByteArray());
    if (!m.getDeleted() && !m.getSubjectDigest().isEmpty()) {
      OciDescriptor.Builder d =
          OciDescriptor.newBuilder()
              .setMediaType(m.getMediaType())
              .setDigest(m.getDigest())
              .setSize(m.getSize())
              .setArtifactType(m.getArtifactType())
              .putAllAnnotations(m.getAnnotationsMap());
      batch.put(
          store.cf(KeyLayout.CF_OCI_REFERRERS),
          KeyLayout.ociReferrer(m.getRepository(), m.getSubjectDigest(), m.getDigest()),
          d.build().toByteArray());
    }
  }

  private static ManifestPut manifestPut(OciManifestRecord m, boolean cached) {
    return ManifestPut.newBuilder()
        .setPullThroughCached(cached)
        .setRepository(m.getRepository())
        .setDigest(m.getDigest())
        .setMediaType(m.getMediaType())
        .setSize(m.getSize())
        .addAllReferencedDigests(m.getReferencedDigestsList())
        .setSubjectDigest(m.getSubjectDigest())
        .setArtifactType(m.getArtifactType())
        .putAllAnnotations(m.getAnnotationsMap())
        .setStamp(m.getStamp())
        .setStoredUnixMillis(m.getStoredUnixMillis())
        .build();
  }

  private static BlobLinkAdded linkAdded(OciBlobLinkRecord l) {
    return BlobLinkAdded.newBuilder()
        .setRepository(l.getRepository())
        .setDigest(l.getDigest())
        .setSize(l.getSize())
        .setStamp(l.getStamp())
        .build();
  }

  private static BlobLinkRemoved linkRemoved(OciBlobLinkRecord l) {
    return BlobLinkRemoved.newBuilder()
        .setRepository(l.getRepository())
        .setDigest(l.getDigest())
        .setStamp(l.getStamp())
        .build();
  }

  private static TagSet tagSet(OciTagRecord t) {
    return TagSet.newBuilder()
        .setRepository(t.getRepository())
        .setTag(t.getTag())
        .setDigest(t.getDigest())
        .setStamp(t.getStamp())
        .build();
  }

  private static TagDelete tagDelete(OciTagRecord t) {
    return TagDelete.newBuilder()
        .setRepository(t.getRepository())
        .setTag(t.getTag())
        .setStamp(t.getStamp())
        .build();
  }

  private static OciManifestRecord manifestTombstone(String repo, String digest, LwwStamp stamp) {
    return OciManifestRecord.newBuilder()
        .setRepository(repo)
        .setDigest(digest)
        .setDeleted(true)
        .setStamp(stamp)
        .build();
  }

  private static OciTagRecord tagTombstone(String repo, String tag, LwwStamp stamp) {
    return OciTagRecord.newBuilder()
        .setRepository(repo)
        .setTag(tag)
        .setDeleted(true)
        .setStamp(stamp)
        .build();
  }

  private static OciBlobLinkRecord linkTombstone(String repo, String digest, LwwStamp stamp) {
    return OciBlobLinkRecord.newBuilder()
        .setRepository(repo)
        .setDigest(digest)
        .setDeleted(true)
        .setStamp(stamp)
        .build();
  }

  private OciManifestRecord rawManifest(String repo, String digest) {
    byte[] raw = store.get(KeyLayout.CF_OCI_MANIFESTS, KeyLayout.ociEntry(repo, digest));
    return raw == null ? null : parse(OciManifestRecord.parser(), raw, "manifest");
  }

  private OciTagRecord rawTag(String repo, String tag) {
    byte[] raw = store.get(KeyLayout.CF_OCI_TAGS, KeyLayout.ociEntry(repo, tag));
    return raw == null ? null : parse(OciTagRecord.parser(), raw, "tag");
  }

  private OciBlobLinkRecord rawLink(String repo, String digest) {
    byte[] raw = store.get(KeyLayout.CF_OCI_LINKS, KeyLayout.ociEntry(repo, digest));
    return raw == null ? null : parse(OciBlobLinkRecord.parser(), raw, "blob link");
  }

  private <T extends Message> boolean anyLive(String cf, byte[] prefix, Parser<T> parser) {
    boolean[] found = {false};
    store.scanFrom(
        cf,
        prefix,
        (k, v) -> {
          if (!startsWith(k, prefix)) {
            return false;
          }
          T rec = parse(parser, v, cf);
          boolean deleted =
              (Boolean) rec.getField(rec.getDescriptorForType().findFieldByName("deleted"));
          if (!deleted) {
            found[0] = true;
            return false;
          }
          return true;
        });
    return found[0];
  }

  private static <T> T parse(Parser<T> parser, byte[] raw, String what) {
    try {
      return parser.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt OCI " + what + " record", e);
    }
  }

  private static boolean startsWith(byte[] k, byte[] prefix) {
    return k.length >= prefix.length
        && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
  }
}
