package io.berth.coordinator.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvFormatterTest {
  @Test
  void goSettingsListTheNodesInOrderThenDirect() {
    List<EnvFormatter.Setting> s =
        EnvFormatter.goSettings(
            List.of("http://a1:8080/", "http://a2:8080"),
            List.of("corp.example.com", "*.internal"),
            "sum.golang.org");
    assertThat(s)
        .containsExactly(
            new EnvFormatter.Setting("GOPROXY", "http://a1:8080,http://a2:8080,direct"),
            new EnvFormatter.Setting("GOSUMDB", "sum.golang.org"),
            new EnvFormatter.Setting("GOPRIVATE", "corp.example.com,*.internal"),
            new EnvFormatter.Setting("GONOPROXY", "none"),
            new EnvFormatter.Setting("GONOSUMDB", "corp.example.com,*.internal"));
    assertThat(EnvFormatter.goSettings(List.of("http://a1"), List.of(), "off"))
        .extracting(EnvFormatter.Setting::name)
        .containsExactly("GOPROXY", "GOSUMDB");
  }

  @Test
  void shellExportsAreSingleQuotedEvenWithQuotesInside() {
    String out =
        EnvFormatter.shell(
            List.of(
                new EnvFormatter.Setting("GOPROXY", "http://a,direct"),
                new EnvFormatter.Setting("X", "it's")));
    assertThat(out).isEqualTo("export GOPROXY='http://a,direct'\nexport X='it'\\''s'\n");
  }

  @Test
  void daemonJsonIsValidJsonWithTheMirrors() throws Exception {
    String json = EnvFormatter.daemonJson(List.of("http://a1:8080/", "http://a\"2:8080"));
    var tree = new ObjectMapper().readTree(json);
    assertThat(tree.get("registry-mirrors")).hasSize(2);
    assertThat(tree.get("registry-mirrors").get(0).asText()).isEqualTo("http://a1:8080");
    assertThat(tree.get("registry-mirrors").get(1).asText()).isEqualTo("http://a\"2:8080");
    assertThat(
            new ObjectMapper().readTree(EnvFormatter.daemonJson(List.of())).get("registry-mirrors"))
        .isEmpty();
  }

  @Test
  void hostsTomlHasTheServerAndOneHostTablePerNode() {
    assertThat(
            EnvFormatter.hostsToml(
                "https://registry-1.docker.io", List.of("http://a1:8080", "http://a2:8080")))
        .isEqualTo(
            "server = \"https://registry-1.docker.io\"\n"
                + "\n[host.\"http://a1:8080\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
                + "\n[host.\"http://a2:8080\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
  }

  @Test
  void commentedPrefixesEveryLine() {
    assertThat(EnvFormatter.commented("a\nb\n")).isEqualTo("# a\n# b\n");
  }
}
