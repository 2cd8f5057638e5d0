package io.berth.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatorConfigLoaderTest {
  @Test
  void defaultsFileAndEnvironment(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(
        f,
        "coordinator: {id: c1, region: a}\n"
            + "dns: {zone: berth.test., port: 5300}\n"
            + "networks:\n  - {name: office, cidrs: [10.1.0.0/16], region: a}\n");
    CoordinatorConfig c =
        CoordinatorConfigLoader.load(
            f,
            Map.of(
                "BERTH_COORD_DNS_PORT",
                "5400",
                "BERTH_COORD_DNS_NAMES",
                "go,oci",
                "BERTH_COORD_ROUTING_REGION_AFFINITY_MS",
                "12.5",
                "PATH",
                "/bin"));
    assertThat(c.coordinator().id()).isEqualTo("c1");
    assertThat(c.dns().zone()).isEqualTo("berth.test.");
    assertThat(c.dns().port()).isEqualTo(5400);
    assertThat(c.dns().names()).containsExactly("go", "oci");
    assertThat(c.routing().regionAffinityMs()).isEqualTo(12.5);
    assertThat(c.networks()).hasSize(1);
    assertThat(c.routing().staleAfterMs()).isEqualTo(2000);
  }

  @Test
  void exampleFileLoads() {
    Path example = Path.of("../deploy/coordinator.example.yaml");
    CoordinatorConfig c = CoordinatorConfigLoader.load(example, Map.of());
    assertThat(c.networks()).isNotEmpty();
  }

  @Test
  void errorsNameTheSetting(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> CoordinatorConfigLoader.load(null, Map.of("BERTH_COORD_NOPE", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("BERTH_COORD_NOPE");
    assertThatThrownBy(
            () -> CoordinatorConfigLoader.load(null, Map.of("BERTH_COORD_DNS_PORT", "x")))
        .hasMessageContaining("not a whole number");
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "networks:\n  - {name: office, cidrs: [10.1.0.1/16], region: a}\n");
    assertThatThrownBy(() -> CoordinatorConfigLoader.load(f, Map.of()))
        .hasMessageContaining("networks.office.cidrs")
        .hasMessageContaining("host bits");
    Files.writeString(f, "dns: {zonee: x}\n");
    assertThatThrownBy(() -> CoordinatorConfigLoader.load(f, Map.of()))
        .hasMessageContaining("dns.zonee");
    Files.writeString(f, "dns: {zone: 'bad zone'}\n");
    assertThatThrownBy(() -> CoordinatorConfigLoader.load(f, Map.of()))
        .hasMessageContaining("dns.zone");
  }
}
