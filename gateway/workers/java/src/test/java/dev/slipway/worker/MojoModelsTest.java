package dev.slipway.worker;

import static dev.slipway.worker.MojoFixtures.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** MojoModels with real MOJOs: what it describes, scores and refuses, with the gateway's types. */
class MojoModelsTest {
  private final MojoModels models = new MojoModels();
  private final AtomicBoolean notCancelled = new AtomicBoolean(false);

  private JsonNode load(String key, String path) throws WorkerException {
    return JSON.valueToTree(models.load(key, path));
  }

  private JsonNode predict(String key, JsonNode rows) throws WorkerException {
    return JSON.valueToTree(models.predict(key, rows, notCancelled));
  }

  /** The typed error scoring `json` (an array of records) with the model `key` answers. */
  private WorkerException refused(String key, String json) throws IOException {
    ArrayNode records = rows(json);
    return assertThrows(WorkerException.class, () -> predict(key, records));
  }

  private static ArrayNode rows(String json) throws IOException {
    return (ArrayNode) JSON.readTree(json);
  }

  static String[] fixtures() {
    return MojoFixtures.NAMES;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void answersEveryRowExactlyAsH2oDidInCluster(String name) throws Exception {
    JsonNode expected = MojoFixtures.expected(name);
    JsonNode records = expected.get("records");
    JsonNode predictions = expected.get("predictions");
    double tolerance = expected.get("tolerance").asDouble();
    assertEquals(24, records.size(), "the fixture's records");
    JsonNode described = load(name, MojoFixtures.zip(name));

    JsonNode batch = predict(name, records);
    assertEquals(List.of(), MojoFixtures.mismatches(batch, predictions, described, tolerance));
    // One by one too, as the gateway sends a single record.
    for (int i = 0; i < records.size(); i++) {
      JsonNode one = predict(name, JSON.createArrayNode().add(records.get(i)));
      JsonNode want = JSON.createArrayNode().add(predictions.get(i));
      assertEquals(
          List.of(),
          MojoFixtures.mismatches(one, want, described, tolerance),
          "row " + i + " alone");
    }
  }

  @Test
  void theComparisonCatchesAWrongProbability() throws Exception {
    // So that the test above cannot pass by comparing nothing.
    JsonNode expected = MojoFixtures.expected("gbm_binomial");
    JsonNode described = load("gbm", MojoFixtures.zip("gbm_binomial"));
    ArrayNode batch = (ArrayNode) predict("gbm", expected.get("records"));
    ArrayNode p = (ArrayNode) batch.get(5).get("p");
    p.set(1, p.get(1).asDouble() * (1 + 1e-8));
    List<String> wrong =
        MojoFixtures.mismatches(batch, expected.get("predictions"), described, 1e-9);
    assertEquals(1, wrong.size(), wrong.toString());
    assertTrue(wrong.get(0).startsWith("row 5.p.yes: "), wrong.get(0));
  }

  @Test
  void describesWhatTheGatewayBuildsTheSignatureFrom() throws Exception {
    JsonNode gbm = load("gbm", MojoFixtures.zip("gbm_binomial"));
    assertEquals("Binomial", gbm.get("category").asText());
    assertEquals("GbmMojoModel", gbm.get("algorithm").asText());
    assertEquals("churn", gbm.get("response").asText());
    assertTrue(gbm.get("offset").isNull());
    assertFalse(gbm.get("uuid").asText().isEmpty());
    assertEquals(
        JSON.readTree(
            "[{\"name\":\"age\",\"levels\":null},{\"name\":\"income\",\"levels\":null},"
                + "{\"name\":\"city\",\"levels\":[\"lille\",\"lyon\",\"nice\",\"paris\"]},"
                + "{\"name\":\"plan\",\"levels\":[\"basic\",\"pro\",\"team\"]}]"),
        gbm.get("inputs"));
    assertEquals(JSON.readTree("[\"no\",\"yes\"]"), gbm.get("classes"));

    JsonNode drf = load("drf", MojoFixtures.zip("drf_multinomial"));
    assertEquals("Multinomial", drf.get("category").asText());
    assertEquals("DrfMojoModel", drf.get("algorithm").asText());
    assertEquals(JSON.readTree("[\"a\",\"b\",\"c\"]"), drf.get("classes"));

    JsonNode glm = load("glm", MojoFixtures.zip("glm_regression"));
    assertEquals("Regression", glm.get("category").asText());
    assertEquals("GlmMojoModel", glm.get("algorithm").asText());
    assertEquals("spend", glm.get("response").asText());
    assertTrue(glm.get("classes").isNull());
  }

  @Test
  void describesTheColumnsOfModelsThatAreNeitherClassifierNorRegression() throws Exception {
    // h2o's own predict columns, by the names h2o gives them.
    String[][] outputs = {
      {"isolation_forest", "AnomalyDetection", "[\"predict\",\"mean_length\"]"},
      {"extended_isolation_forest", "AnomalyDetection", "[\"anomaly_score\",\"mean_length\"]"},
      {"kmeans", "Clustering", "[\"predict\"]"},
      {"pca", "DimReduction", "[\"PC1\",\"PC2\"]"},
      {"coxph", "CoxPH", "[\"lp\"]"},
      {"target_encoder", "TargetEncoder", "[\"city_te\",\"plan_te\"]"},
    };
    for (String[] o : outputs) {
      JsonNode d = load(o[0], MojoFixtures.zip(o[0]));
      assertEquals(o[1], d.get("category").asText(), o[0]);
      assertEquals(JSON.readTree(o[2]), d.get("outputs"), o[0]);
      assertTrue(d.get("classes").isNull(), o[0]);
    }
    JsonNode kmeans = load("kmeans", MojoFixtures.zip("kmeans"));
    assertTrue(kmeans.get("response").isNull(), "an unsupervised model has no response");
    assertTrue(load("gbm", MojoFixtures.zip("gbm_binomial")).get("outputs").isNull());
    JsonNode xgb = load("xgb", MojoFixtures.zip("xgboost_binomial"));
    assertEquals("XGBoostJavaMojoModel", xgb.get("algorithm").asText());
  }

  @Test
  void refusesAGlrmNamingTheAlgorithmAndWhy() {
    WorkerException e =
        assertThrows(
            WorkerException.class,
            () -> models.load("glrm", MojoFixtures.zip(MojoFixtures.REFUSED_GLRM)));
    assertEquals("UnsupportedModel", e.type);
    assertTrue(e.getMessage().startsWith("Glrm MOJOs (category DimReduction) are not served: "));
    assertTrue(e.getMessage().contains("rows scored before"), e.getMessage());
    assertFalse(models.unload("glrm"), "nothing is held after a refused load");
  }

  @Test
  void aGlrmMojoWouldAnswerARowByTheRowsScoredBeforeIt() throws Exception {
    // Why the GLRM is refused: scored through h2o-genmodel directly, its first batch is h2o's,
    // and the same first row scored again afterwards is not.
    hex.genmodel.easy.EasyPredictModelWrapper w =
        new hex.genmodel.easy.EasyPredictModelWrapper(
            new hex.genmodel.easy.EasyPredictModelWrapper.Config()
                .setModel(hex.genmodel.MojoModel.load(MojoFixtures.zip("glrm")))
                .setEnableGLRMReconstrut(true));
    JsonNode expected = MojoFixtures.expected("glrm");
    JsonNode first = expected.get("records").get(0);
    hex.genmodel.easy.RowData row = new hex.genmodel.easy.RowData();
    row.put("age", first.get("age").asDouble());
    row.put("income", first.get("income").asDouble());
    double want = expected.get("predictions").get(0).get("reconstr_age").asDouble();
    assertEquals(want, w.predictDimReduction(row).reconstructed[0], 1e-12);
    double again = w.predictDimReduction(row).reconstructed[0];
    assertTrue(Math.abs(again - want) > 1e-6, "the second answer is another: " + again);
  }

  @Test
  void findsALevelThatIsANumberFromAnyOfItsForms() throws Exception {
    // zone's levels are "70.0", "80.0", "90.0"; floor's "1", "2", "3" (see make_mojo.py).
    JsonNode d = load("num", MojoFixtures.zip("gbm_numeric_levels"));
    assertEquals(JSON.readTree("[\"70.0\",\"80.0\",\"90.0\"]"), d.at("/inputs/1/levels"));
    JsonNode scores =
        predict(
            "num",
            rows(
                "[{\"age\": 40, \"zone\": \"70.0\", \"floor\": \"2\"},"
                    + "{\"age\": 40, \"zone\": 70, \"floor\": 2},"
                    + "{\"age\": 40, \"zone\": 70.0, \"floor\": 2.0},"
                    + "{\"age\": 40, \"zone\": \"70\", \"floor\": \"2.0\"},"
                    + "{\"age\": 40, \"zone\": 7e1, \"floor\": \"2e0\"},"
                    + "{\"age\": 40, \"floor\": 2},"
                    + "{\"age\": 40, \"zone\": 75, \"floor\": 2},"
                    + "{\"age\": 40, \"zone\": \"070\", \"floor\": 2},"
                    + "{\"age\": 40, \"zone\": 80, \"floor\": 2}]"));
    for (int i = 1; i <= 4; i++) assertEquals(scores.get(0), scores.get(i), "form " + i);
    // A number that is no level is a level the model never saw: missing, as h2o scores it.
    assertEquals(scores.get(5), scores.get(6), "75 is no level");
    assertEquals(scores.get(5), scores.get(7), "\"070\" is not the number's JSON form");
    assertFalse(scores.get(0).equals(scores.get(5)), "70 scored as missing");
    assertFalse(scores.get(0).equals(scores.get(8)), "80 scored as 70");
  }

  @Test
  void holdsAMojoOncePerKeyUntilUnloaded() throws Exception {
    JsonNode first = load("k", MojoFixtures.zip("gbm_binomial"));
    // Held under its key: a second load neither reads the file again nor fails on a bad path.
    assertEquals(first, load("k", "/nonexistent/other.zip"));
    assertEquals(1, predict("k", rows("[{\"age\": 30}]")).size());

    assertTrue(models.unload("k"));
    assertFalse(models.unload("k"));
    WorkerException e = refused("k", "[{\"age\": 30}]");
    assertEquals("NotLoaded", e.type);
  }

  @Test
  void scoresAnUnknownLevelANullAndALeftOutColumnAsMissing() throws Exception {
    load("gbm", MojoFixtures.zip("gbm_binomial"));
    JsonNode scores =
        predict(
            "gbm",
            rows(
                "[{\"age\": 40, \"income\": 20000, \"plan\": \"pro\", \"city\": \"marseille\"},"
                    + "{\"age\": 40, \"income\": 20000, \"plan\": \"pro\", \"city\": null},"
                    + "{\"age\": 40, \"income\": 20000, \"plan\": \"pro\"},"
                    + "{\"age\": 40, \"income\": 20000, \"plan\": \"pro\", \"city\": \"lyon\"}]"));
    assertEquals(scores.get(2), scores.get(0), "an unknown level scores as missing");
    assertEquals(scores.get(2), scores.get(1), "null scores as missing");
    // A known level is not missing: without this the three above could agree for any input.
    assertFalse(scores.get(2).equals(scores.get(3)), "lyon scores as missing");
  }

  @Test
  void ignoresColumnsTheModelDoesNotKnow() throws Exception {
    load("glm", MojoFixtures.zip("glm_regression"));
    JsonNode scores =
        predict(
            "glm",
            rows(
                "[{\"age\": 30, \"income\": 1000},"
                    + "{\"age\": 30, \"income\": 1000, \"x\": \"blue\", \"y\": 7}]"));
    assertEquals(scores.get(0), scores.get(1));
  }

  @Test
  void refusesAFileThatIsNotAZipAsInvalidMojoWithoutNamingItsPath(@TempDir Path dir)
      throws Exception {
    byte[] noise = new byte[2048];
    new Random(7).nextBytes(noise);
    Path file = Files.write(dir.resolve("artifact.zip"), noise);
    WorkerException e =
        assertThrows(WorkerException.class, () -> models.load("bad", file.toString()));
    assertEquals("InvalidMojo", e.type);
    assertTrue(e.getMessage().startsWith("h2o-genmodel cannot read the MOJO: "), e.getMessage());
    assertFalse(e.getMessage().contains(dir.toString()), e.getMessage());
    assertNull(e.field);
    assertFalse(models.unload("bad"), "nothing is held after a failed load");
  }

  @Test
  void refusesAModelIniWithNothingBehindItAsInvalidMojo(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("model.ini"));
      zip.write(
          "[info]\nalgo = gbm\ncategory = Binomial\nmojo_version = 1.40\n"
              .getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    Path file = Files.write(dir.resolve("empty-gbm.zip"), bytes.toByteArray());
    WorkerException e =
        assertThrows(WorkerException.class, () -> models.load("bad", file.toString()));
    assertEquals("InvalidMojo", e.type);
    assertTrue(e.getMessage().startsWith("h2o-genmodel cannot read the MOJO: "), e.getMessage());
    assertFalse(e.getMessage().contains(dir.toString()), e.getMessage());
  }

  @Test
  void refusesAMissingFileAsInvalidMojo(@TempDir Path dir) {
    String missing = dir.resolve("gone.zip").toString();
    WorkerException e = assertThrows(WorkerException.class, () -> models.load("gone", missing));
    assertEquals("InvalidMojo", e.type);
    assertFalse(e.getMessage().contains(dir.toString()), e.getMessage());
  }

  @Test
  void refusesALoadWithoutKeyOrPath() {
    String glm = MojoFixtures.zip("glm_regression");
    WorkerException noKey = assertThrows(WorkerException.class, () -> models.load("", glm));
    assertEquals("InvalidRequest", noKey.type);
    assertEquals("load needs a key and a path", noKey.getMessage());
    WorkerException noPath = assertThrows(WorkerException.class, () -> models.load("k", ""));
    assertEquals("InvalidRequest", noPath.type);
  }

  @Test
  void answersNotLoadedForAnUnknownKey() throws Exception {
    WorkerException e = refused("nope", "[{\"age\": 1}]");
    assertEquals("NotLoaded", e.type);
    assertEquals("no MOJO loaded under nope", e.getMessage());
  }

  @Test
  void refusesRowsThatAreNotAnArrayOfObjects() throws Exception {
    load("glm", MojoFixtures.zip("glm_regression"));
    WorkerException notArray =
        assertThrows(WorkerException.class, () -> predict("glm", JSON.readTree("{\"age\": 1}")));
    assertEquals("InvalidRequest", notArray.type);
    assertEquals("rows: expected an array", notArray.getMessage());

    WorkerException notObject = refused("glm", "[{\"age\": 1}, 2]");
    assertEquals("InvalidInput", notObject.type);
    assertEquals("row 1: expected an object", notObject.getMessage());
    assertNull(notObject.field);
  }

  @Test
  void refusesAValueThatIsNeitherNumberNorStringNamingItsField() throws Exception {
    load("gbm", MojoFixtures.zip("gbm_binomial"));
    for (String value : new String[] {"[\"paris\"]", "{\"name\": \"paris\"}"}) {
      WorkerException e =
          assertThrows(
              WorkerException.class,
              () -> predict("gbm", rows("[{\"age\": 1, \"city\": " + value + "}]")));
      assertEquals("InvalidInput", e.type);
      assertEquals("city", e.field);
      assertEquals("city: expected a number or a string", e.getMessage());
    }
  }

  @Test
  void refusesTextForANumericColumnNamingThatColumn() throws Exception {
    // The gateway's validator stops this first; this is the worker's backstop.
    load("glm", MojoFixtures.zip("glm_regression"));
    WorkerException e = refused("glm", "[{\"age\": \"old\"}]");
    assertEquals("InvalidInput", e.type);
    assertEquals("age", e.field);
    assertTrue(e.getMessage().contains("old"), e.getMessage());
    // h2o's message quotes the value too: one that is another column's name must not be blamed.
    WorkerException named = refused("glm", "[{\"age\": \"plan\"}]");
    assertEquals("age", named.field);
    // A boolean is a level ("true"), which a numeric column cannot parse either.
    WorkerException bool = refused("glm", "[{\"income\": true}]");
    assertEquals("income", bool.field);
  }

  @Test
  void stopsACancelledCallAtTheNextCheck() throws Exception {
    load("gbm", MojoFixtures.zip("gbm_binomial"));
    ArrayNode many = JSON.createArrayNode();
    for (int i = 0; i < 1000; i++) {
      ObjectNode r = many.addObject().put("age", 20 + i % 60).put("city", "paris");
      r.put("income", 1000 + i);
    }
    AtomicBoolean cancelled = new AtomicBoolean(true);
    WorkerException e =
        assertThrows(WorkerException.class, () -> models.predict("gbm", many, cancelled));
    assertEquals("Cancelled", e.type);
    assertEquals("the call was cancelled after 63 rows", e.getMessage());
    assertEquals(1000, models.predict("gbm", many, notCancelled).size());
  }
}
