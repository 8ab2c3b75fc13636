package dev.slipway.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A categorical column whose levels include numbers as text ("70.0", "1"): h2o keeps the text a
 * number was parsed from, so a client's 70, 70.0, "70" or "70.0" must all find "70.0".
 * h2o-genmodel itself refuses a JSON number for a categorical column, and would take "70" for a
 * level it never saw.
 */
final class NumericLevels {
  private final Set<String> levels;
  private final Map<Double, String> byValue = new HashMap<>();

  private NumericLevels(String[] domain) {
    this.levels = new HashSet<>(Arrays.asList(domain));
    for (String level : domain) {
      Double v = parse(level);
      // The first of two levels with one value ("7", "7.0") wins, as in the gateway.
      if (v != null) byValue.putIfAbsent(v, level);
    }
  }

  /** Null when no level of {@code domain} is a number. */
  static NumericLevels of(String[] domain) {
    if (domain == null) return null;
    NumericLevels l = new NumericLevels(domain);
    return l.byValue.isEmpty() ? null : l;
  }

  /**
   * The level a JSON number or text stands for: a level as written, else the level with its
   * number's value, else the text (a level the model never saw, for h2o to treat as such).
   */
  String level(JsonNode v) {
    String text = v.asText();
    if (v.isTextual() && levels.contains(text)) return text;
    Double value = v.isNumber() ? Double.valueOf(v.asDouble()) : parse(text);
    String level = value == null ? null : byValue.get(value == 0 ? 0.0 : value);
    return level != null ? level : text;
  }

  /** A finite number written as JSON writes one ("70", "70.0", "-1e3"), else null. */
  static Double parse(String text) {
    if (!text.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) return null;
    double v = Double.parseDouble(text);
    return Double.isFinite(v) ? (v == 0 ? 0.0 : v) : null;
  }
}
