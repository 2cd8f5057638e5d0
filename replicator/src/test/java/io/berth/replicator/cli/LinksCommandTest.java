package io.berth.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LinksCommandTest {
  @Test
  void rendersOneLinePerLinkWithTheOwnersView() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, JsonNode> links = new TreeMap<>();
    links.put(
        "eu->us",
        json.readTree(
            "{\"link\":\"eu->us\",\"owner\":true,\"ownerId\":\"repl-1\",\"epoch\":42,"
                + "\"phase\":\"running\",\"eventsBehind\":3,\"secondsBehind\":0.25,"
                + "\"eventsReplicated\":100,\"bytesCopied\":104857600,"
                + "\"failures\":{\"copy\":2,\"republish\":1},\"lastError\":\"copy: boom\"}"));
    links.put(
        "us->eu",
        json.readTree(
            "{\"link\":\"us->eu\",\"owner\":false,\"ownerId\":\"repl-2\",\"phase\":\"standby\","
                + "\"lastError\":\"\"}"));
    String t = LinksCommand.table(links);
    String[] lines = t.split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).startsWith("LINK").contains("OWNER").contains("SECONDS");
    assertThat(lines[1])
        .contains("eu->us")
        .contains("repl-1")
        .contains("42")
        .contains("0.3")
        .contains("100.0 MiB")
        .contains("copy: boom");
    assertThat(lines[2]).contains("us->eu").contains("repl-2").contains("standby");
  }

  @Test
  void showsTheDeadLetterCountAndTheNewestDeadLetteredEventsWithTheirReason() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, JsonNode> links = new TreeMap<>();
    links.put(
        "eu->us",
        json.readTree(
            "{\"link\":\"eu->us\",\"owner\":true,\"ownerId\":\"repl-1\",\"epoch\":42,"
                + "\"phase\":\"running\",\"eventsBehind\":0,\"secondsBehind\":0,"
                + "\"eventsReplicated\":7,\"bytesCopied\":10,\"failures\":{},\"lastError\":\"\","
                + "\"deadLetters\":{\"count\":3,\"last\":[{\"event\":\"eu/n1#9 oci:team/app\","
                + "\"change\":\"BLOB_LINK_ADDED\",\"reason\":\"no blob sha256:ab in eu\"}]}}"));
    String t = LinksCommand.table(links);
    String[] lines = t.split("\n");
    assertThat(lines[0]).contains("DEAD");
    assertThat(lines[1]).containsPattern("\\s3(\\s|$)");
    assertThat(t)
        .contains("eu->us: 3 dead-lettered event(s)")
        .contains("eu/n1#9 oci:team/app BLOB_LINK_ADDED: no blob sha256:ab in eu");
  }

  @Test
  void bytesAreHumanReadable() {
    assertThat(LinksCommand.bytes(512)).isEqualTo("512 B");
    assertThat(LinksCommand.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(LinksCommand.bytes(3L << 30)).isEqualTo("3.0 GiB");
  }
}
