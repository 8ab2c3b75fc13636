package dev.slipway.worker;

import com.fasterxml.jackson.databind.JsonNode;
import hex.ModelCategory;
import hex.genmodel.GenModel;
import hex.genmodel.MojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.exception.PredictException;
import hex.genmodel.easy.exception.PredictUnknownCategoricalLevelException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The MOJOs this worker holds, by the key the gateway names them with (the artifact's sha256). */
final class MojoModels {
  private static final Logger log = LoggerFactory.getLogger(MojoModels.class);
  /** Rows scored between two looks at the call's cancel flag. */
  private static final int CHECK_EVERY = 64;

  private final Map<String, Loaded> byKey = new ConcurrentHashMap<>();

  private static final class Loaded {
    final EasyPredictModelWrapper wrapper;
    final ModelCategory category;
    final MojoAnswers answers;
    /** Feature names, and their levels (null for a numeric column), in the model's order. */
    final String[] names;
    final String[][] domains;
    /** The categorical columns whose levels include numbers, by name. */
    final Map<String, NumericLevels> numericLevels = new HashMap<>();

    Loaded(EasyPredictModelWrapper wrapper, MojoAnswers answers) {
      GenModel m = wrapper.m;
      this.wrapper = wrapper;
      this.category = wrapper.getModelCategory();
      this.answers = answers;
      int n = m.nfeatures();
      this.names = new String[n];
      this.domains = new String[n][];
      String[] all = m.getNames();
      for (int i = 0; i < n; i++) {
        names[i] = all[i];
        domains[i] = m.getDomainValues(i);
        NumericLevels levels = NumericLevels.of(domains[i]);
        if (levels != null) numericLevels.put(names[i], levels);
      }
    }
  }

  /** Loads a MOJO (once per key) and describes it: category, inputs with levels, classes. */
  Map<String, Object> load(String key, String path) throws WorkerException {
    if (key.isEmpty() || path.isEmpty())
      throw new WorkerException("InvalidRequest", "load needs a key and a path");
    Loaded loaded = byKey.get(key);
    if (loaded == null) {
      long started = System.nanoTime();
      MojoModel model;
      try {
        model = MojoModel.load(path);
      } catch (IOException | RuntimeException e) {
        // Without the path: it names the gateway's data directory, which clients need not see.
        String why = String.valueOf(e).replace(path, "the artifact");
        throw new WorkerException("InvalidMojo", "h2o-genmodel cannot read the MOJO: " + why);
      }
      EasyPredictModelWrapper wrapper = MojoAnswers.wrap(model);
      loaded = new Loaded(wrapper, MojoAnswers.of(wrapper));
      if (byKey.putIfAbsent(key, loaded) == null)
        log.info(
            "loaded {} {} MOJO {} in {} ms",
            loaded.category,
            model.getClass().getSimpleName(),
            key.length() > 12 ? key.substring(0, 12) : key,
            (System.nanoTime() - started) / 1_000_000);
      loaded = byKey.get(key);
    }
    return describe(loaded);
  }

  boolean unload(String key) {
    return byKey.remove(key) != null;
  }

  private static Map<String, Object> describe(Loaded l) {
    GenModel m = l.wrapper.m;
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("category", l.category.name());
    d.put("algorithm", m.getClass().getSimpleName());
    d.put("uuid", m.getUUID());
    // An unsupervised model has no response: h2o-genmodel throws rather than answer null.
    d.put("response", m.isSupervised() ? m.getResponseName() : null);
    d.put("offset", m.getOffsetName());
    List<Map<String, Object>> inputs = new ArrayList<>();
    for (int i = 0; i < l.names.length; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("name", l.names[i]);
      f.put("levels", l.domains[i]);
      inputs.add(f);
    }
    d.put("inputs", inputs);
    d.put("classes", m.isClassifier() ? l.wrapper.getResponseDomainValues() : null);
    d.put("outputs", l.answers.outputs);
    return d;
  }

  /**
   * Scores rows: {@code {"label", "p": [...]}} per row for a classifier, {@code {"value"}} for a
   * regression, {@code {"columns": [...]}} for other models (see {@link MojoAnswers}).
   */
  List<Map<String, Object>> predict(String key, JsonNode rows, AtomicBoolean cancelled)
      throws WorkerException {
    Loaded l = byKey.get(key);
    if (l == null) throw new WorkerException("NotLoaded", "no MOJO loaded under " + key);
    if (!rows.isArray()) throw new WorkerException("InvalidRequest", "rows: expected an array");
    List<Map<String, Object>> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      if (i % CHECK_EVERY == CHECK_EVERY - 1 && cancelled.get())
        throw new WorkerException("Cancelled", "the call was cancelled after " + i + " rows");
      out.add(scoreOne(l, rowData(l, rows.get(i), i)));
    }
    return out;
  }

  /**
   * A record as h2o wants it: numbers as Double, levels as String; null and left-out columns
   * are not put (missing). Columns the model does not know are ignored, as h2o does. A number
   * (or a number's text) for a categorical column whose levels are numbers is that level.
   */
  private static RowData rowData(Loaded l, JsonNode record, int index) throws WorkerException {
    if (!record.isObject())
      throw new WorkerException("InvalidInput", "row " + index + ": expected an object", null);
    RowData row = new RowData();
    for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNull()) continue;
      NumericLevels levels = l.numericLevels.get(e.getKey());
      if (levels != null && (v.isNumber() || v.isTextual())) row.put(e.getKey(), levels.level(v));
      else if (v.isNumber()) row.put(e.getKey(), v.asDouble());
      else if (v.isTextual()) row.put(e.getKey(), v.asText());
      else if (v.isBoolean()) row.put(e.getKey(), v.asBoolean() ? "true" : "false");
      else
        throw new WorkerException(
            "InvalidInput", e.getKey() + ": expected a number or a string", e.getKey());
    }
    return row;
  }

  private static Map<String, Object> scoreOne(Loaded l, RowData row) throws WorkerException {
    try {
      return l.answers.answer.score(l.wrapper, row);
    } catch (PredictUnknownCategoricalLevelException e) {
      throw new WorkerException(
          "InvalidInput",
          e.getColumnName() + ": unknown level " + e.getUnknownLevel(),
          e.getColumnName());
    } catch (PredictException e) {
      String field = columnIn(l, e.getMessage());
      throw new WorkerException("InvalidInput", e.getMessage(), field);
    }
  }

  /**
   * The input column an h2o message names, if any, so the gateway can name the field. h2o says
   * "Unable to parse value: V, from column: C, as Double": the value may itself be another
   * column's name, so the "from column" phrase is looked for first.
   */
  private static String columnIn(Loaded l, String message) {
    if (message == null) return null;
    for (String n : l.names) if (message.contains("from column: " + n + ",")) return n;
    for (String n : l.names) if (message.contains(n)) return n;
    return null;
  }
}
