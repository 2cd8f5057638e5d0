package io.berth.node.config;

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
 * Loads {@link NodeConfig}: defaults, then the YAML file (if any), then environment variables.
 *
 * <p>An environment variable {@code BERTH_<PATH>} overrides the setting whose path, with camelCase
 * words split by {@code _}, matches: {@code BERTH_HTTP_PORT} sets {@code http.port}, {@code
 * BERTH_STORAGE_DATA_DIR} sets {@code storage.dataDir}, {@code BERTH_GO_PRIVATE_PATTERNS} sets the
 * list {@code go.privatePatterns} from a comma-separated value. A list value that starts with
 * {@code [} is read as a YAML flow sequence, so lists of records can be set too: {@code
 * BERTH_OCI_UPSTREAMS='[{prefix: hub, url: "https://registry-1.docker.io", username: u, password:
 * p}]'}.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** BERTH_* variables that are not settings: read by bin/berth, the CLI or logback. */
  static final java.util.Set<String> NOT_SETTINGS =
      java.util.Set.of(
          "BERTH_CONFIG",
          "BERTH_JAVA_OPTS",
          "BERTH_REGISTRY",
          "BERTH_LOG_LEVEL",
          "BERTH_ACCESS_LOG_LEVEL",
          "BERTH_REPLICATOR_URLS");

  private ConfigLoader() {}

  /**
   * Loads the configuration.
   *
   * @param file the YAML file, or null for none
   * @param env the environment (usually {@code System.getenv()})
   * @throws ConfigException with a message naming the bad setting
   */
  public static NodeConfig load(Path file, Map<String, String> env) {
    ObjectNode tree = YAML.valueToTree(NodeConfig.defaults());
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
    try {
      return YAML.treeToValue(tree, NodeConfig.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException("invalid configuration: " + e.getOriginalMessage());
    }
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
    Map<String, String> sorted = new TreeMap<>(env);
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      if (!e.getKey().startsWith("BERTH_") || NOT_SETTINGS.contains(e.getKey())) {
        continue;
      }
      List<String> words = List.of(e.getKey().substring(6).toLowerCase(Locale.ROOT).split("_"));
      if (!set(tree, words, e.getKey(), e.getValue())) {
        throw new ConfigException(
            "environment variable " + e.getKey() + " does not name a setting");
      }
    }
  }

  private static boolean set(ObjectNode node, List<String> words, String variable, String value) {
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
        node.set(field, convert(child, variable, value));
        return true;
      }
      if (!rest.isEmpty() && child.isObject() && set((ObjectNode) child, rest, variable, value)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode convert(JsonNode existing, String variable, String value) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (existing.isArray() && value.trim().startsWith("[")) {
      try {
        JsonNode parsed = YAML.readTree(value);
        if (parsed != null && parsed.isArray()) {
          return parsed;
        }
      } catch (IOException e) {
        throw new ConfigException(
            variable + ": a list value starting with '[' must be a YAML flow sequence");
      }
      throw new ConfigException(
          variable + ": a list value starting with '[' must be a YAML flow sequence");
    }
    if (existing.isArray()) {
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
    if (existing.isNumber()) {
      try {
        return f.numberNode(Long.parseLong(value.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException(variable + ": '" + value + "' is not a number");
      }
    }
    if (existing.isBoolean()) {
      String b = value.trim().toLowerCase(Locale.ROOT);
      if (!b.equals("true") && !b.equals("false")) {
        throw new ConfigException(
            variable + ": '" + value + "' is not a boolean (use true or false)");
      }
      return f.booleanNode(b.equals("true"));
    }
    return f.textNode(value);
  }
}
