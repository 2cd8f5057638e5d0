package io.berth.replicator.config;

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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads {@link ReplicatorConfig}: defaults, then the YAML file, then environment variables. {@code
 * BERTH_REPLICATOR_<PATH>} overrides the setting whose path, with camelCase words split by {@code
 * _}, matches: {@code BERTH_REPLICATOR_ZOOKEEPER}, {@code BERTH_REPLICATOR_HTTP_PORT}, {@code
 * BERTH_REPLICATOR_REGIONS_EU_KAFKA_BOOTSTRAP} (for a region {@code eu} of the file).
 */
public final class ConfigLoader {
  static final String PREFIX = "BERTH_REPLICATOR_";
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ConfigLoader() {}

  /**
   * Loads and validates the configuration.
   *
   * @param file the YAML file, or null
   * @throws ConfigException naming the bad setting
   */
  public static ReplicatorConfig load(Path file, Map<String, String> env) {
    ObjectNode tree = YAML.valueToTree(ReplicatorConfig.defaults());
    tree.remove("instanceId");
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
          merge(tree, (ObjectNode) fromFile);
        }
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      if (!e.getKey().startsWith(PREFIX)
          || e.getKey().equals("BERTH_REPLICATOR_CONFIG")
          || e.getKey().equals("BERTH_REPLICATOR_URLS")) {
        continue;
      }
      List<String> words =
          List.of(e.getKey().substring(PREFIX.length()).toLowerCase(Locale.ROOT).split("_"));
      if (words.equals(List.of("instance", "id"))) {
        tree.put("instanceId", e.getValue());
      } else if (!set(tree, words, e.getValue())) {
        throw new ConfigException(
            "environment variable " + e.getKey() + " does not name a setting");
      }
    }
    try {
      return YAML.treeToValue(tree, ReplicatorConfig.class).validate();
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException("invalid configuration: " + e.getOriginalMessage());
    }
  }

  private static void merge(ObjectNode target, ObjectNode source) {
    Iterator<Map.Entry<String, JsonNode>> it = source.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode existing = target.get(e.getKey());
      if (existing != null && existing.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue());
      } else {
        target.set(e.getKey(), e.getValue());
      }
    }
  }

  private static boolean set(ObjectNode node, List<String> words, String value) {
    for (int take = 1; take <= words.size(); take++) {
      String joined = String.join("", words.subList(0, take));
      String field = null;
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (f.toLowerCase(Locale.ROOT).replace("-", "").equals(joined)) {
          field = f;
        }
      }
      if (field == null) {
        continue;
      }
      JsonNode child = node.get(field);
      List<String> rest = words.subList(take, words.size());
      if (rest.isEmpty() && !child.isObject()) {
        node.set(field, convert(child, value));
        return true;
      }
      if (!rest.isEmpty() && child.isObject() && set((ObjectNode) child, rest, value)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode convert(JsonNode existing, String value) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (existing.isArray()) {
      ArrayNode a = f.arrayNode();
      for (String p : value.split(",")) {
        if (!p.isBlank()) {
          a.add(p.trim());
        }
      }
      return a;
    }
    if (existing.isNumber()) {
      try {
        return f.numberNode(Long.parseLong(value.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException("'" + value + "' is not a number");
      }
    }
    if (existing.isBoolean()) {
      return f.booleanNode(Boolean.parseBoolean(value.trim()));
    }
    return f.textNode(value);
  }
}
