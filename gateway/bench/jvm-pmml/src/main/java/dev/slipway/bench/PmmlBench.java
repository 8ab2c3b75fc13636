package dev.slipway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.EvaluatorUtil;
import org.jpmml.evaluator.LoadingModelEvaluatorBuilder;
import org.pmml4s.model.Model;

/**
 * Times a JVM PMML evaluator on the PMML files and rows that gateway/bench/pmml.mjs gives it, the
 * way that script times Slipway's evaluator: after a warm-up (so the JIT has compiled the hot
 * paths), "batch" scores prebuilt input maps in a loop over one evaluator for a fixed time, and
 * "one-by-one" builds each record's map from its row and times every record on its own.
 *
 * <p>Usage: {@code PmmlBench plan.json out.json}. The plan holds {@code engine} ({@code jpmml}:
 * JPMML-Evaluator, evaluate + decodeAll; or {@code pmml4s}: PMML4S, predict on a java.util.Map, as
 * pypmml calls it), {@code warmupSeconds}, {@code seconds} and {@code models}: each a {@code name},
 * a {@code pmml} path, the input {@code fields} and the {@code rows} (one array of values per row,
 * in field order, null for a missing value). The answer holds, per model, the predictions for
 * every row (for the script's check against Slipway's) and the timings. One engine per process,
 * so the JIT sees one evaluator's code only.
 */
public final class PmmlBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Keeps the JIT from dropping work whose result nobody reads. */
  private static long sink;

  private PmmlBench() {}

  /** One record in, the evaluator's plain-Java answer out. */
  private interface Scorer extends Function<Map<String, Object>, Map<String, ?>> {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: PmmlBench plan.json out.json");
      System.exit(2);
    }
    JsonNode plan = JSON.readTree(new File(args[0]));
    String engine = plan.path("engine").asText("jpmml");
    double warmupSeconds = plan.path("warmupSeconds").asDouble(2);
    double seconds = plan.path("seconds").asDouble(3);
    ObjectNode out = JSON.createObjectNode();
    out.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    out.put("evaluator", describe(engine));
    ArrayNode models = out.putArray("models");
    for (JsonNode m : plan.path("models")) {
      models.add(benchModel(engine, m, warmupSeconds, seconds));
    }
    JSON.writeValue(new File(args[1]), out);
  }

  private static Scorer open(String engine, File pmml) throws Exception {
    switch (engine) {
      case "jpmml" -> {
        Evaluator evaluator = new LoadingModelEvaluatorBuilder().load(pmml).build();
        evaluator.verify();
        if (evaluator instanceof org.jpmml.evaluator.association.AssociationModelEvaluator)
          return rec -> decodeOutputs(evaluator, rec);
        return rec -> EvaluatorUtil.decodeAll(evaluator.evaluate(rec));
      }
      case "pmml4s" -> {
        Model model = Model.fromFile(pmml);
        return model::predict;
      }
      default -> throw new IllegalArgumentException("unknown engine " + engine);
    }
  }

  private static String describe(String engine) throws IOException {
    return switch (engine) {
      case "jpmml" -> "JPMML-Evaluator " + version("org.jpmml", "pmml-evaluator", Evaluator.class);
      case "pmml4s" -> "PMML4S " + version("org.pmml4s", "pmml4s_3", Model.class);
      default -> engine;
    };
  }

  /** A library's version, from the Maven metadata inside its jar. */
  private static String version(String group, String artifact, Class<?> from) throws IOException {
    String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = from.getResourceAsStream(path)) {
      if (in == null) return String.valueOf(from.getPackage().getImplementationVersion());
      Properties props = new Properties();
      props.load(in);
      return props.getProperty("version");
    }
  }

  private static ObjectNode benchModel(
      String engine, JsonNode m, double warmupSeconds, double seconds) throws Exception {
    long t0 = System.nanoTime();
    Scorer scorer = open(engine, new File(m.path("pmml").asText()));
    double loadMs = (System.nanoTime() - t0) / 1e6;

    String[] fields = JSON.convertValue(m.path("fields"), String[].class);
    Object[][] rows = new Object[m.path("rows").size()][];
    int r = 0;
    for (JsonNode row : m.path("rows")) {
      Object[] values = new Object[fields.length];
      for (int i = 0; i < fields.length; i++) values[i] = javaValue(row.get(i));
      rows[r++] = values;
    }
    List<Map<String, Object>> prebuilt = Arrays.stream(rows).map(v -> record(fields, v)).toList();

    ObjectNode result = JSON.createObjectNode();
    result.put("name", m.path("name").asText());
    result.put("loadMs", loadMs);
    ArrayNode predictions = result.putArray("predictions");
    for (Map<String, Object> rec : prebuilt) predictions.add(toJson(scorer.apply(rec)));

    result.put("warmupSeconds", warmUp(scorer, fields, rows, prebuilt, warmupSeconds));

    result.set("batch", batch(scorer, prebuilt, seconds));
    result.set("oneByOne", oneByOne(scorer, fields, rows, seconds));
    result.put("sink", sink);
    return result;
  }

  /**
   * Both loops for `seconds`, half each; then more one-second batch passes while the rate still
   * climbs by more than 3 % (the JIT still compiling), for at most `seconds` more. Answers the
   * seconds spent.
   */
  private static double warmUp(
      Scorer scorer,
      String[] fields,
      Object[][] rows,
      List<Map<String, Object>> prebuilt,
      double seconds) {
    long start = System.nanoTime();
    batch(scorer, prebuilt, seconds / 2);
    oneByOne(scorer, fields, rows, seconds / 2);
    double previous = rate(batch(scorer, prebuilt, 1));
    for (int extra = 1; extra < seconds; extra++) {
      double current = rate(batch(scorer, prebuilt, 1));
      if (current < previous * 1.03) break;
      previous = current;
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** CPU time of the whole process (JIT and GC threads included), as Node's process.cpuUsage(). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double rate(ObjectNode timing) {
    return timing.path("records").asDouble() / timing.path("seconds").asDouble();
  }

  /** All rows, prebuilt, scored in a loop over one evaluator; repeated for `seconds`. */
  private static ObjectNode batch(Scorer scorer, List<Map<String, Object>> records, double seconds) {
    long count = 0;
    long start = System.nanoTime();
    long cpu0 = processCpuNanos();
    long stop = start + (long) (seconds * 1e9);
    long now;
    do {
      for (Map<String, Object> rec : records) sink += scorer.apply(rec).size();
      count += records.size();
      now = System.nanoTime();
    } while (now < stop);
    ObjectNode t = JSON.createObjectNode();
    t.put("records", count);
    t.put("seconds", (now - start) / 1e9);
    t.put("cpuSeconds", (processCpuNanos() - cpu0) / 1e9);
    return t;
  }

  /** One record at a time, each timed with its map built from the row; repeated for `seconds`. */
  private static ObjectNode oneByOne(
      Scorer scorer, String[] fields, Object[][] rows, double seconds) {
    long[] lat = new long[1 << 16];
    int n = 0;
    long start = System.nanoTime();
    long cpu0 = processCpuNanos();
    long stop = start + (long) (seconds * 1e9);
    long now = start;
    while (now < stop) {
      for (Object[] row : rows) {
        long t = System.nanoTime();
        sink += scorer.apply(record(fields, row)).size();
        now = System.nanoTime();
        if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
        lat[n++] = now - t;
      }
    }
    Arrays.sort(lat, 0, n);
    ObjectNode t = JSON.createObjectNode();
    t.put("records", n);
    t.put("seconds", (now - start) / 1e9);
    t.put("cpuSeconds", (processCpuNanos() - cpu0) / 1e9);
    t.put("p50us", lat[n / 2] / 1e3);
    t.put("p99us", lat[Math.min(n - 1, (int) (n * 0.99))] / 1e3);
    return t;
  }

  /** An input map as a client's JSON gives it: every field, null where the value is missing. */
  private static Map<String, Object> record(String[] fields, Object[] values) {
    Map<String, Object> rec = new HashMap<>(fields.length * 2);
    for (int i = 0; i < fields.length; i++) rec.put(fields[i], values[i]);
    return rec;
  }

  /**
   * An AssociationModel's answer: its Output fields, decoded (its own result, the fired rules,
   * has no value to decode: decodeAll throws on it).
   */
  private static Map<String, ?> decodeOutputs(Evaluator evaluator, Map<String, ?> rec) {
    Map<String, ?> results = evaluator.evaluate(rec);
    Map<String, Object> out = new LinkedHashMap<>();
    for (org.jpmml.evaluator.OutputField f : evaluator.getOutputFields())
      out.put(f.getName(), EvaluatorUtil.decode(results.get(f.getName())));
    return out;
  }

  private static Object javaValue(JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isNumber()) return v.doubleValue();
    if (v.isBoolean()) return v.booleanValue();
    // An array is an AssociationModel's basket: a collection of items.
    if (v.isArray()) {
      List<Object> items = new java.util.ArrayList<>();
      for (JsonNode item : v) items.add(javaValue(item));
      return items;
    }
    return v.asText();
  }

  private static ObjectNode toJson(Map<String, ?> answer) {
    Map<String, Object> clean = new LinkedHashMap<>();
    answer.forEach(
        (k, v) ->
            // A model without a target field: JPMML's synthetic target has no name.
            clean.put(
                k == null ? "_target" : k,
                v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v));
    return JSON.valueToTree(clean);
  }
}
