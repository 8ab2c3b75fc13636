package dev.slipway.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The MOJOs gateway/test/fixtures/mojo/make_mojo.py built with H2O, each with H2O's own
 * in-cluster predictions for its records; the gateway's TypeScript tests use the same files.
 */
final class MojoFixtures {
  static final String[] NAMES = {
    "gbm_binomial",
    "drf_multinomial",
    "glm_regression",
    "xgboost_binomial",
    "stacked_ensemble",
    "automl_leader",
    "gbm_numeric_levels",
    "isolation_forest",
    "extended_isolation_forest",
    "kmeans",
    "pca",
    "coxph",
    "target_encoder"
  };
  static final ObjectMapper JSON = new ObjectMapper();

  private MojoFixtures() {}

  /** An H2O model h2o-genmodel reads but cannot score as h2o's predict does; refused at load. */
  static final String REFUSED_GLRM = "glrm";

  /** A fixture file's path: surefire names the folder; elsewhere the worker's folder is cwd. */
  static Path path(String file) {
    String dir = System.getProperty("slipway.mojoFixtures", "../../test/fixtures/mojo");
    return Paths.get(dir, file).toAbsolutePath().normalize();
  }

  static String zip(String name) {
    return path(name + ".zip").toString();
  }

  /** {@code {producer, model, records, predictions, tolerance, config?}}. */
  static JsonNode expected(String name) throws IOException {
    return JSON.readTree(path(name + ".expected.json").toFile());
  }

  /**
   * Where worker answers differ from H2O's, as gateway/src/runtimes/mojo/testing/fixtures.ts
   * judges it: labels exactly, numbers within {@code rel} of H2O's value ({@code |a − b| ≤
   * rel·|b|}, so an H2O zero must be a zero), classes in the same order. Empty when they agree.
   *
   * @param actual the worker's scores, {@code {"label", "p"}}, {@code {"value"}} or {@code
   *     {"columns"}} per row
   * @param want H2O's, {@code {"label", "probabilities": {class: p}}}, {@code {"value"}} or
   *     {@code {column: value}}
   * @param described what {@code load} answered: {@code classes}, and {@code outputs} (the
   *     columns' names)
   */
  static List<String> mismatches(JsonNode actual, JsonNode want, JsonNode described, double rel) {
    List<String> wrong = new ArrayList<>();
    if (actual.size() != want.size())
      wrong.add(actual.size() + " rows answered for H2O's " + want.size());
    for (int i = 0; i < Math.min(actual.size(), want.size()); i++)
      row(actual.get(i), want.get(i), described, rel, "row " + i, wrong);
    return wrong;
  }

  private static void row(
      JsonNode a, JsonNode w, JsonNode described, double rel, String at, List<String> wrong) {
    JsonNode classes = described.get("classes");
    JsonNode outputs = described.get("outputs");
    if (!outputs.isNull()) {
      columns(a, w, outputs, rel, at, wrong);
      return;
    }
    if (w.has("value")) {
      if (!fieldNames(a).equals(List.of("value"))) wrong.add(at + ": keys " + fieldNames(a));
      else close(a.get("value"), w.get("value").asDouble(), rel, at + ".value", wrong);
      return;
    }
    if (!fieldNames(a).equals(List.of("label", "p"))) {
      wrong.add(at + ": keys " + fieldNames(a));
      return;
    }
    if (!a.get("label").isTextual() || !a.get("label").asText().equals(w.get("label").asText()))
      wrong.add(at + ".label: " + a.get("label") + " vs H2O's " + w.get("label"));
    List<String> want = fieldNames(w.get("probabilities"));
    List<String> have = new ArrayList<>();
    classes.forEach(c -> have.add(c.asText()));
    if (!have.equals(want)) {
      wrong.add(at + ": classes " + have + " vs H2O's " + want);
      return;
    }
    JsonNode p = a.get("p");
    if (p.size() != want.size()) {
      wrong.add(at + ".p: " + p.size() + " probabilities");
      return;
    }
    for (int k = 0; k < want.size(); k++) {
      String c = want.get(k);
      close(p.get(k), w.get("probabilities").get(c).asDouble(), rel, at + ".p." + c, wrong);
    }
  }

  /** H2O's prediction columns, by name, against the worker's values in {@code outputs}' order. */
  private static void columns(
      JsonNode a, JsonNode w, JsonNode outputs, double rel, String at, List<String> wrong) {
    List<String> names = new ArrayList<>();
    outputs.forEach(n -> names.add(n.asText()));
    if (!fieldNames(a).equals(List.of("columns")) || a.get("columns").size() != names.size()) {
      wrong.add(at + ": " + a + " for columns " + names);
      return;
    }
    if (!names.equals(fieldNames(w))) {
      wrong.add(at + ": columns " + names + " vs H2O's " + fieldNames(w));
      return;
    }
    for (int k = 0; k < names.size(); k++) {
      JsonNode v = a.get("columns").get(k);
      JsonNode x = w.get(names.get(k));
      if (x.isNull()) {
        if (!v.isNull()) wrong.add(at + "." + names.get(k) + ": " + v + " vs H2O's NA");
      } else close(v, x.asDouble(), rel, at + "." + names.get(k), wrong);
    }
  }

  private static void close(JsonNode a, double want, double rel, String at, List<String> wrong) {
    if (!a.isNumber() || Math.abs(a.asDouble() - want) > rel * Math.abs(want))
      wrong.add(at + ": " + a + " vs H2O's " + want);
  }

  static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) names.add(it.next());
    return names;
  }
}
