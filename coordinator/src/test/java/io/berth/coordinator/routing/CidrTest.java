package io.berth.coordinator.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
  @Test
  void parsesAndMatchesIpv4AndIpv6() {
    Cidr a = Cidr.parse("127.0.1.0/24");
    assertThat(a.contains(Cidr.address("127.0.1.77"))).isTrue();
    assertThat(a.contains(Cidr.address("127.0.2.1"))).isFalse();
    assertThat(a.contains(Cidr.address("::1"))).isFalse();
    assertThat(a.toString()).isEqualTo("127.0.1.0/24");
    Cidr v6 = Cidr.parse("fd00:1::/32");
    assertThat(v6.contains(Cidr.address("fd00:1:ffff::1"))).isTrue();
    assertThat(v6.contains(Cidr.address("fd00:2::1"))).isFalse();
    assertThat(Cidr.parse("10.0.0.7").prefixLength()).isEqualTo(32);
    assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.address("8.8.8.8"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "10.0.0.0/33",
        "10.0.0.1/24",
        "10.0.0/24",
        "256.0.0.0/8",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "host.example/24",
        "::1/129",
        "10.0.0.0/24/1",
        "1.2.3.4.5"
      })
  void rejectsBadNetworks(String text) {
    assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void literalParsingNeverLooksUpNames() {
    assertThat(Cidr.parseLiteral("localhost")).isNull();
    assertThat(Cidr.parseLiteral("example.com")).isNull();
    assertThat(Cidr.parseLiteral("127.0.0.1")).containsExactly(127, 0, 0, 1);
  }

  @Test
  void longestPrefixWinsThenConfigurationOrder() {
    Map<String, List<Cidr>> m = new LinkedHashMap<>();
    m.put("wide", List.of(Cidr.parse("127.0.0.0/8")));
    m.put("office", List.of(Cidr.parse("127.0.1.0/24")));
    m.put("also-wide", List.of(Cidr.parse("127.0.0.0/8")));
    NetworkMap<String> map = new NetworkMap<>(m);
    assertThat(map.lookup(Cidr.address("127.0.1.9"))).contains("office");
    assertThat(map.lookup(Cidr.address("127.9.9.9"))).contains("wide");
    assertThat(map.lookup(Cidr.address("10.0.0.1"))).isEmpty();
    assertThat(map.matchedPrefix(Cidr.address("127.0.1.9"))).isEqualTo(24);
    assertThat(map.lookup(Cidr.address("127.0.1.0"), 16)).contains("wide");
    assertThat(map.lookup(Cidr.address("127.0.1.0"), 24)).contains("office");
  }
}
