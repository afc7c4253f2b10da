package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.DumperOptions;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads an {@code application/apply-patch+yaml} body the way kube-apiserver does (sigs.k8s.io/yaml,
 * YAML 1.1): {@code y}, {@code n}, {@code yes}, {@code off}... are booleans, non-string keys become
 * their text ({@code y:} is the key {@code "true"}), timestamps stay strings, duplicate keys are an
 * error. Jackson's YAML reader differs on these, and the field sets would then differ from upstream's.
 */
public final class ApplyPatchYaml {

  private ApplyPatchYaml() {
  }

  /** The body as JSON; a 400 {@code BadRequest} "error decoding YAML: ..." when it is not YAML. */
  public static JsonNode read(String body) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Yaml yaml = new Yaml(new GoConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
        options, new GoResolver());
    Object doc;
    try {
      doc = yaml.load(body);
    } catch (RuntimeException e) {
      throw new StatusException(400, "BadRequest", "error decoding YAML: " + e.getMessage().replace('\n', ' '), null);
    }
    return toJson(doc);
  }

  private static JsonNode toJson(Object o) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (o == null) {
      return f.nullNode();
    }
    if (o instanceof Map<?, ?> m) {
      ObjectNode n = f.objectNode();
      m.forEach((k, v) -> n.set(String.valueOf(k), toJson(v)));
      return n;
    }
    if (o instanceof List<?> l) {
      ArrayNode a = f.arrayNode();
      l.forEach(e -> a.add(toJson(e)));
      return a;
    }
    if (o instanceof Boolean b) {
      return f.booleanNode(b);
    }
    if (o instanceof Integer i) {
      return f.numberNode(i);
    }
    if (o instanceof Long l) {
      return f.numberNode(l);
    }
    if (o instanceof BigInteger b) {
      return f.numberNode(b);
    }
    if (o instanceof Double d) {
      return f.numberNode(d);
    }
    if (o instanceof BigDecimal d) {
      return f.numberNode(d);
    }
    return f.textNode(String.valueOf(o));
  }

  /** YAML 1.1 implicit types as go-yaml v2 resolves them: its booleans, no timestamps. */
  private static final class GoResolver extends Resolver {
    private static final Pattern BOOL = Pattern.compile(
        "^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$");

    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, BOOL, "yYnNtTfFoO");
      addImplicitResolver(Tag.INT, INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
      addImplicitResolver(Tag.MERGE, MERGE, "<");
      addImplicitResolver(Tag.NULL, NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }

  private static final class GoConstructor extends SafeConstructor {
    GoConstructor(LoaderOptions options) {
      super(options);
      yamlConstructors.put(Tag.BOOL, new AbstractConstruct() {
        @Override
        public Object construct(Node node) {
          String v = ((ScalarNode) node).getValue().toLowerCase(Locale.ROOT);
          return v.equals("y") || v.equals("yes") || v.equals("true") || v.equals("on");
        }
      });
      yamlConstructors.put(Tag.TIMESTAMP, new AbstractConstruct() {
        @Override
        public Object construct(Node node) {
          return ((ScalarNode) node).getValue();
        }
      });
    }
  }
}
