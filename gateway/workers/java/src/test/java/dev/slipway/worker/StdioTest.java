package dev.slipway.worker;

import static dev.slipway.worker.MojoFixtures.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as the gateway runs it, a process of its own: stdout carries protocol lines and
 * nothing else, and the logs (the worker's and h2o-genmodel's, through SLF4J) go to stderr.
 */
class StdioTest {
  @Test
  void h2oGenmodelLogsThroughSlf4j() {
    // Without SLF4J it falls back to a console logger that prints debug to warn lines on stdout.
    assertEquals(
        water.logging.Slf4JLogger.class,
        water.logging.LoggerFactory.getLogger(MojoModels.class).getClass());
  }

  @Test
  @Timeout(120)
  void writesAnswersToStdoutAndLogsToStderr(@TempDir Path dir) throws Exception {
    // surefire runs the tests from a manifest-only jar; this property holds the real classpath.
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File stderr = dir.resolve("stderr").toFile();
    Process worker =
        new ProcessBuilder(java, "-cp", classpath, Main.class.getName(), "--threads", "1")
            .redirectError(stderr)
            .start();
    ObjectNode load = JSON.createObjectNode().put("id", 1).put("method", "load");
    load.putObject("args").put("key", "gbm").put("path", MojoFixtures.zip("gbm_binomial"));
    String ping = "{\"id\":2,\"method\":\"ping\",\"args\":{}}";

    List<String> out = new ArrayList<>();
    try (BufferedReader answers =
        new BufferedReader(
            new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream in = worker.getOutputStream();
      in.write(("not JSON\n" + load + "\n" + ping + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
      out.add(answers.readLine());
      out.add(answers.readLine());
      in.close(); // as a stopping gateway does: the worker ends
      for (String line; (line = answers.readLine()) != null; ) out.add(line);
    }
    assertTrue(worker.waitFor(60, TimeUnit.SECONDS), "the worker ends when its stdin closes");
    String err = Files.readString(stderr.toPath());
    assertEquals(0, worker.exitValue(), err);

    assertEquals(2, out.size(), "stdout: " + out + "\nstderr: " + err);
    for (String line : out) {
      JsonNode msg = JSON.readTree(line);
      assertTrue(msg.has("result"), line);
    }
    // slf4j-simple's format (simplelogger.properties): thread, level, short logger name.
    assertTrue(err.contains("[main] WARN Main - skipped a line that is not JSON"), err);
    assertTrue(err.contains(" INFO MojoModels - loaded Binomial GbmMojoModel MOJO gbm in "), err);
  }
}
