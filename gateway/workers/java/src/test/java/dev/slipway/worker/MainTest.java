package dev.slipway.worker;

import static dev.slipway.worker.MojoFixtures.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Main's JSON-lines protocol (gateway/src/workers/worker-protocol.ts): {@code {id, method, args}}
 * in, {@code {id, result}} or {@code {id, error: {type, message, details?}}} out.
 */
class MainTest {
  private InProcessWorker worker;

  @BeforeEach
  void start() throws Exception {
    worker = new InProcessWorker(2);
  }

  /** Whatever a test did, the worker wrote answers and nothing else, and ended with its input. */
  @AfterEach
  void everyLineWasAnAnswer() throws Exception {
    worker.close();
    List<String> written;
    synchronized (worker.written) {
      written = new ArrayList<>(worker.written);
    }
    for (String line : written) {
      JsonNode msg = JSON.readTree(line);
      assertTrue(msg.isObject() && msg.path("id").canConvertToLong(), line);
      assertEquals(2, msg.size(), line);
      assertTrue(msg.has("result") != msg.has("error"), line);
    }
  }

  private static ObjectNode args() {
    return JSON.createObjectNode();
  }

  private static ObjectNode load(String key, String fixture) {
    return args().put("key", key).put("path", MojoFixtures.zip(fixture));
  }

  private static ObjectNode predict(String key, JsonNode rows) {
    ObjectNode a = args().put("key", key);
    a.set("rows", rows);
    return a;
  }

  @Test
  void answersAPingWithItsJavaVersion() throws Exception {
    JsonNode answer = worker.call("ping", args());
    assertTrue(answer.at("/result/pong").asBoolean(), answer.toString());
    assertEquals(Runtime.version().toString(), answer.at("/result/java").asText());
  }

  @Test
  void loadsScoresAndUnloadsAMojo() throws Exception {
    JsonNode expected = MojoFixtures.expected("gbm_binomial");
    JsonNode records = expected.get("records");
    JsonNode predictions = expected.get("predictions");
    double tolerance = expected.get("tolerance").asDouble();

    JsonNode loaded = worker.call("load", load("gbm", "gbm_binomial"));
    assertEquals("Binomial", loaded.at("/result/category").asText(), loaded.toString());
    JsonNode described = loaded.get("result");

    // 24 rows go to the pool, one is scored on the reader thread: both paths answer the same.
    JsonNode batch = worker.call("predict", predict("gbm", records));
    assertEquals(
        List.of(), MojoFixtures.mismatches(batch.get("result"), predictions, described, tolerance));
    ArrayNode first = JSON.createArrayNode().add(records.get(0));
    JsonNode one = worker.call("predict", predict("gbm", first));
    assertEquals(
        List.of(),
        MojoFixtures.mismatches(
            one.get("result"),
            JSON.createArrayNode().add(predictions.get(0)),
            described,
            tolerance));

    assertTrue(worker.call("unload", args().put("key", "gbm")).at("/result/unloaded").asBoolean());
    JsonNode gone = worker.call("predict", predict("gbm", first));
    assertEquals(
        JSON.readTree("{\"type\":\"NotLoaded\",\"message\":\"no MOJO loaded under gbm\"}"),
        gone.get("error"));
  }

  @Test
  void answersAWorkerExceptionWithItsTypeMessageAndField() throws Exception {
    worker.call("load", load("gbm", "gbm_binomial"));
    JsonNode bad =
        worker.call("predict", predict("gbm", JSON.readTree("[{\"age\": 1, \"city\": [2]}]")));
    assertEquals(
        JSON.readTree(
            "{\"type\":\"InvalidInput\",\"message\":\"city: expected a number or a string\","
                + "\"details\":{\"field\":\"city\"}}"),
        bad.get("error"));

    JsonNode noMojo = worker.call("load", args().put("key", "x").put("path", "/nonexistent.zip"));
    assertEquals("InvalidMojo", noMojo.at("/error/type").asText(), noMojo.toString());
    assertFalse(noMojo.get("error").has("details"));

    JsonNode unknown = worker.call("frobnicate", args());
    assertEquals(
        JSON.readTree("{\"type\":\"UnknownMethod\",\"message\":\"no method frobnicate\"}"),
        unknown.get("error"));
  }

  @Test
  void skipsLinesThatAreNotRequestsAndGoesOn() throws Exception {
    worker.send("this is not JSON");
    worker.send("");
    worker.send("{\"method\": \"ping\"}");
    worker.send("{\"id\": \"seven\", \"method\": \"ping\"}");
    long ping = worker.request("ping", args());
    // Pings are answered on the reader thread in order: an answer to a skipped line would be first.
    JsonNode next = worker.next();
    assertEquals(ping, next.get("id").asLong(), next.toString());
    assertTrue(next.at("/result/pong").asBoolean());
  }

  @Test
  void cancelsACallInProgress() throws Exception {
    worker.call("load", load("gbm", "gbm_binomial"));
    ArrayNode many = JSON.createArrayNode();
    for (int i = 0; i < 100_000; i++)
      many.addObject().put("age", 20 + i % 60).put("income", 1000 + i).put("city", "paris");
    long call = worker.request("predict", predict("gbm", many));
    JsonNode cancel = worker.call("cancel", args().put("id", call));
    assertTrue(cancel.at("/result/cancelled").asBoolean(), cancel.toString());
    JsonNode answer = worker.answer(call);
    assertEquals("Cancelled", answer.at("/error/type").asText(), answer.toString());

    JsonNode none = worker.call("cancel", args().put("id", 12345));
    assertFalse(none.at("/result/cancelled").asBoolean(), none.toString());
  }

  @Test
  void answersCallsInProgressWhenItsInputCloses() throws Exception {
    worker.call("load", load("drf", "drf_multinomial"));
    JsonNode records = MojoFixtures.expected("drf_multinomial").get("records");
    long call = worker.request("predict", predict("drf", records));
    worker.close();
    JsonNode answer = worker.answer(call);
    assertEquals(records.size(), answer.get("result").size(), answer.toString());
  }
}
