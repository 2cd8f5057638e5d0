package io.berth.coordinator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads {@link CoordinatorConfig}: defaults, then the YAML file (if any), then environment
 * variables, then checks it.
 *
 * <p>An environment variable {@code BERTH_COORD_<PATH>} overrides the scalar or string-list setting
 * whose path, with camelCase words split by {@code _}, matches: {@code BERTH_COORD_DNS_PORT} sets
 * {@code dns.port}, {@code BERTH_COORD_ZOOKEEPER_CONNECT} sets {@code zookeeper.connect}, {@code
 * BERTH_COORD_DNS_NAMES=go,oci} sets a list. Client networks are set in the file only.
 */
public final class CoordinatorConfigLoader {
  /** The prefix of the environment overrides. */
  public static final String ENV_PREFIX = "BERTH_COORD_";

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private CoordinatorConfigLoader() {}

  /**
   * Loads and checks the configuration.
   *
   * @param file the YAML file, or null for none
   * @param env the environment (usually {@code System.getenv()})
   * @throws ConfigException naming the bad setting
   */
  public static CoordinatorConfig load(Path file, Map<String, String> env) {
    ObjectNode tree = YAML.valueToTree(CoordinatorConfig.defaults());
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("config file " + file + " does not exist");
      }
      try {
        JsonNode fromFile = YAML.readTree(file.toFile());
        if (fromFile != null && !fromFile.isMissingNode() && !fromFile.isNull()) {
          if (!fromFile.isObject()) {
            throw new ConfigException("config file " + file + " must hold a YAML mapping");
          }
          merge(tree, (ObjectNode) fromFile, "");
        }
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
    }
    applyEnv(tree, env);
    CoordinatorConfig config;
    try {
      config = YAML.treeToValue(tree, CoordinatorConfig.class);
    } catch (JsonProcessingException e) {
      throw new ConfigException("invalid configuration: " + e.getOriginalMessage());
    }
    ConfigChecks.check(config);
    return config;
  }

  private static void merge(ObjectNode target, ObjectNode source, String path) {
    Iterator<Map.Entry<String, JsonNode>> it = source.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String where = path.isEmpty() ? key : path + "." + key;
      if (!target.has(key)) {
        throw new ConfigException("unknown setting '" + where + "'");
      }
      JsonNode existing = target.get(key);
      if (existing.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), where);
      } else {
        target.set(key, e.getValue());
      }
    }
  }

  private static void applyEnv(ObjectNode tree, Map<String, String> env) {
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      if (!e.getKey().startsWith(ENV_PREFIX) || e.getKey().equals(ENV_PREFIX + "CONFIG")) {
        continue;
      }
      List<String> words =
          List.of(e.getKey().substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).split("_"));
      if (!set(tree, words, e.getValue())) {
        throw new ConfigException(
            "environment variable " + e.getKey() + " does not name a setting");
      }
    }
  }

  private static boolean set(ObjectNode node, List<String> words, String value) {
    for (int take = 1; take <= words.size(); take++) {
      String joined = String.join("", words.subList(0, take));
      String field = null;
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (f.toLowerCase(Locale.ROOT).equals(joined)) {
          field = f;
        }
      }
      if (field == null) {
        continue;
      }
      JsonNode child = node.get(field);
      List<String> rest = words.subList(take, words.size());
      if (rest.isEmpty() && !child.isObject()) {
        node.set(field, convert(child, value, field));
        return true;
      }
      if (!rest.isEmpty() && child.isObject() && set((ObjectNode) child, rest, value)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode convert(JsonNode existing, String value, String field) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (existing.isArray()) {
      if (existing.size() > 0 && existing.get(0).isObject()) {
        throw new ConfigException("'" + field + "' can only be set in the config file");
      }
      ArrayNode a = f.arrayNode();
      List<String> parts = new ArrayList<>();
      for (String p : value.split(",")) {
        if (!p.isBlank()) {
          parts.add(p.trim());
        }
      }
      parts.forEach(a::add);
      return a;
    }
    if (existing.isIntegralNumber()) {
      try {
        return f.numberNode(Long.parseLong(value.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException("'" + value + "' for " + field + " is not a whole number");
      }
    }
    if (existing.isNumber()) {
      try {
        return f.numberNode(Double.parseDouble(value.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException("'" + value + "' for " + field + " is not a number");
      }
    }
    if (existing.isBoolean()) {
      return f.booleanNode(Boolean.parseBoolean(value.trim()));
    }
    return f.textNode(value);
  }
}
