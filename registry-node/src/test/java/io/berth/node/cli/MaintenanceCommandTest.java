package io.berth.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.config.NodeConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The options {@code berth gc} and {@code berth scrub} share, and their config overrides. */
class MaintenanceCommandTest {

  private static <C extends MaintenanceCommand<?>> C parse(C command, String... args) {
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void gcGraceMinutesOverridesOnlyTheGracePeriod() {
    GcCommand gc = parse(new GcCommand(), "--data-dir", "/srv/d", "--grace-minutes", "7");
    NodeConfig loaded = gc.loadConfig();
    NodeConfig c = gc.configure(loaded);
    assertThat(c.storage().dataDir()).isEqualTo("/srv/d");
    assertThat(c.storage().gc().graceMinutes()).isEqualTo(7L);
    assertThat(c.storage().gc())
        .usingRecursiveComparison()
        .ignoringFields("graceMinutes")
        .isEqualTo(loaded.storage().gc());
    assertThat(c.storage().scrub()).isEqualTo(loaded.storage().scrub());
    assertThat(gc.waitSeconds).isEqualTo(30);
    assertThat(gc.endpoint()).isEqualTo("/_berth/api/gc");
  }

  @Test
  void scrubBytesPerSecondOverridesOnlyTheRate() {
    ScrubCommand scrub =
        parse(new ScrubCommand(), "--bytes-per-second", "1000", "--wait-seconds", "5", "--json");
    NodeConfig loaded = scrub.loadConfig();
    NodeConfig c = scrub.configure(loaded);
    assertThat(c.storage().scrub().bytesPerSecond()).isEqualTo(1000L);
    assertThat(c.storage().scrub())
        .usingRecursiveComparison()
        .ignoringFields("bytesPerSecond")
        .isEqualTo(loaded.storage().scrub());
    assertThat(c.storage().gc()).isEqualTo(loaded.storage().gc());
    assertThat(scrub.waitSeconds).isEqualTo(5);
    assertThat(scrub.json).isTrue();
    assertThat(scrub.endpoint()).isEqualTo("/_berth/api/scrub");
  }

  @Test
  void withoutOverridesTheConfigIsUnchanged() {
    GcCommand gc = parse(new GcCommand());
    ScrubCommand scrub = parse(new ScrubCommand());
    assertThat(gc.configure(gc.loadConfig())).isEqualTo(gc.loadConfig());
    assertThat(scrub.configure(scrub.loadConfig())).isEqualTo(scrub.loadConfig());
  }
}
