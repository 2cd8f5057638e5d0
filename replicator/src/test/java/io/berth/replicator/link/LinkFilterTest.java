package io.berth.replicator.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.ManifestPut;
import io.berth.proto.events.v1.SumdbObjectStored;
import io.berth.proto.events.v1.TagDelete;
import io.berth.proto.events.v1.TagSet;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.berth.replicator.config.ReplicatorConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinkFilterTest {
  static ChangeEvent.Builder from(String region) {
    return ChangeEvent.newBuilder().setOriginRegion(region).setOriginNode("n").setSeq(1);
  }

  static ChangeEvent go(String region, String module) {
    return from(region)
        .setGoVersionStored(
            GoVersionStored.newBuilder()
                .setRecord(ModuleVersionRecord.newBuilder().setModulePath(module)))
        .build();
  }

  static ChangeEvent tag(String repo, String tag) {
    return from("eu").setTagSet(TagSet.newBuilder().setRepository(repo).setTag(tag)).build();
  }

  static LinkFilter filtered(List<String> modules, List<String> repos, String tags) {
    return new LinkFilter(
        new ReplicatorConfig.LinkSection(
            "eu", "us", "filtered", new ReplicatorConfig.Filters(modules, repos, tags), 0L, 1));
  }

  @Test
  void mirrorCarriesEverythingButEchoes() {
    LinkFilter f =
        new LinkFilter(new ReplicatorConfig.LinkSection("eu", "us", "mirror", null, 0L, 1));
    assertThat(f.decide(go("eu", "a.example/x"))).isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(f.decide(go("ap", "a.example/x"))).isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(f.decide(go("us", "a.example/x"))).isEqualTo(LinkFilter.Decision.ECHO);
    assertThat(
            f.decide(
                from("eu")
                    .setTagDelete(TagDelete.newBuilder().setRepository("r").setTag("t"))
                    .build()))
        .isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(f.decide(from("eu").build()))
        .as("unknown change: carried, to stop visibly")
        .isEqualTo(LinkFilter.Decision.CARRY);
  }

  @Test
  void modulePrefixesMatchWholeElements() {
    LinkFilter f = filtered(List.of("corp.example.com/team/"), List.of(), null);
    assertThat(f.decide(go("eu", "corp.example.com/team"))).isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(f.decide(go("eu", "corp.example.com/team/app/v2")))
        .isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(f.decide(go("eu", "corp.example.com/teamx")))
        .isEqualTo(LinkFilter.Decision.FILTERED);
    assertThat(f.decide(go("us", "corp.example.com/team"))).isEqualTo(LinkFilter.Decision.ECHO);
    assertThat(f.decide(tag("team/app", "v1")))
        .as("no repository filter: no OCI")
        .isEqualTo(LinkFilter.Decision.FILTERED);
    assertThat(
            f.decide(
                from("eu")
                    .setSumdbObjectStored(SumdbObjectStored.newBuilder().setKey("k"))
                    .build()))
        .isEqualTo(LinkFilter.Decision.CARRY);
  }

  @Test
  void repositoriesAndTags() {
    LinkFilter f = filtered(List.of(), List.of("team"), "v[0-9]+(\\.[0-9]+)*");
    assertThat(f.decide(tag("team/app", "v1.2"))).isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(f.decide(tag("team/app", "latest"))).isEqualTo(LinkFilter.Decision.FILTERED);
    assertThat(f.decide(tag("teamx/app", "v1"))).isEqualTo(LinkFilter.Decision.FILTERED);
    assertThat(
            f.decide(
                from("eu")
                    .setManifestPut(ManifestPut.newBuilder().setRepository("team/app"))
                    .build()))
        .isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(
            f.decide(
                from("eu")
                    .setTagDelete(TagDelete.newBuilder().setRepository("team/app").setTag("v1"))
                    .build()))
        .as("filtered links never carry deletes")
        .isEqualTo(LinkFilter.Decision.FILTERED);
    assertThat(f.decide(go("eu", "team/x"))).isEqualTo(LinkFilter.Decision.FILTERED);
    LinkFilter tagsOnly = filtered(List.of(), List.of(), "release-.*");
    assertThat(tagsOnly.decide(tag("any/repo", "release-1"))).isEqualTo(LinkFilter.Decision.CARRY);
    assertThat(tagsOnly.decide(tag("any/repo", "dev"))).isEqualTo(LinkFilter.Decision.FILTERED);
  }
}
