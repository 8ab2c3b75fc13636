package dev.slipway.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slipway's JVM worker: JSON lines over stdio, as gateway/src/workers/worker-protocol.ts says.
 * A request {@code {"id", "method", "args"}} gets {@code {"id", "result"}} or {@code {"id",
 * "error": {"type", "message"}}}. {@code ping} and {@code cancel} are answered on the reader
 * thread, so a health check never waits behind scoring; {@code load}, {@code predict} and
 * {@code unload} run on a small pool (MOJOs other than Deep Learning score safely from several
 * threads). The worker exits when its stdin closes. stdout carries protocol lines only: logs go
 * through SLF4J to stderr (simplelogger.properties), and so does anything a library prints.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** Predict calls with at most this many rows are scored on the reader thread. */
  private static final int INLINE_ROWS = 16;

  private final ObjectMapper json = new ObjectMapper();
  private final BufferedReader in;
  private final Writer out;
  private final MojoModels models = new MojoModels();
  private final ExecutorService pool;
  /** Cancel flags of the calls in progress, by request id. */
  private final Map<Long, AtomicBoolean> running = new ConcurrentHashMap<>();

  /** A worker answering the requests it reads from {@code in} on {@code out}, one per line. */
  Main(Reader in, Writer out, int threads) {
    this.in = new BufferedReader(in);
    this.out = out;
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "slipway-score");
              t.setDaemon(true);
              return t;
            });
  }

  public static void main(String[] args) throws Exception {
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    for (int i = 0; i + 1 < args.length; i++)
      if (args[i].equals("--threads")) threads = Integer.parseInt(args[i + 1]);
    // The protocol owns the process's stdout: answers are written to it directly, and whatever
    // else would print there (a library's System.out.println) goes to stderr instead.
    Writer protocol =
        new BufferedWriter(
            new OutputStreamWriter(
                new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
    System.setOut(System.err);
    new Main(new InputStreamReader(System.in, StandardCharsets.UTF_8), protocol, threads).run();
  }

  /** Answers requests until the input ends, then gives calls in progress a moment to answer. */
  void run() throws IOException, InterruptedException {
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode request;
      try {
        request = json.readTree(line);
      } catch (JsonProcessingException e) {
        log.warn("skipped a line that is not JSON: {}", e.getOriginalMessage());
        continue;
      }
      if (!request.path("id").canConvertToLong()) {
        log.warn("skipped a request without a numeric id");
        continue;
      }
      long id = request.get("id").asLong();
      String method = request.path("method").asText("");
      JsonNode args = request.path("args");
      switch (method) {
        case "ping":
          reply(id, json.createObjectNode().put("pong", true).put("java", Runtime.version().toString()));
          break;
        case "cancel":
          AtomicBoolean flag = running.get(args.path("id").asLong(-1));
          if (flag != null) flag.set(true);
          reply(id, json.createObjectNode().put("cancelled", flag != null));
          break;
        default:
          AtomicBoolean cancelled = new AtomicBoolean(false);
          running.put(id, cancelled);
          // A few rows score in microseconds: answering them here saves two thread hand-offs
          // per call, and a ping behind them waits no longer than that. The rest go to the pool.
          if (method.equals("predict") && args.path("rows").size() <= INLINE_ROWS)
            serve(id, method, args, cancelled);
          else pool.execute(() -> serve(id, method, args, cancelled));
      }
    }
    // stdin closed: the gateway is stopping this worker. Let calls in progress answer briefly.
    pool.shutdown();
    pool.awaitTermination(2, TimeUnit.SECONDS);
    out.flush();
  }

  private void serve(long id, String method, JsonNode args, AtomicBoolean cancelled) {
    try {
      Object result;
      switch (method) {
        case "load":
          result = models.load(args.path("key").asText(), args.path("path").asText());
          break;
        case "predict":
          result = models.predict(args.path("key").asText(), args.path("rows"), cancelled);
          break;
        case "unload":
          result = json.createObjectNode().put("unloaded", models.unload(args.path("key").asText()));
          break;
        default:
          throw new WorkerException("UnknownMethod", "no method " + method);
      }
      reply(id, result);
    } catch (WorkerException e) {
      fail(id, e.type, e.getMessage(), e.field);
    } catch (Throwable e) {
      // A model's own failure: the type and message are for the gateway, the trace for its log.
      log.error("{} failed", method, e);
      fail(id, e.getClass().getSimpleName(), String.valueOf(e.getMessage()), null);
    } finally {
      running.remove(id);
    }
  }

  private void reply(long id, Object result) {
    ObjectNode msg = json.createObjectNode().put("id", id);
    msg.set("result", json.valueToTree(result));
    write(msg);
  }

  private void fail(long id, String type, String message, String field) {
    ObjectNode msg = json.createObjectNode().put("id", id);
    ObjectNode error = msg.putObject("error").put("type", type).put("message", message);
    if (field != null) error.putObject("details").put("field", field);
    write(msg);
  }

  private synchronized void write(ObjectNode msg) {
    try {
      out.write(json.writeValueAsString(msg));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      // The gateway is gone; the reader sees stdin close and the worker ends.
      log.warn("cannot write to stdout: {}", e.getMessage());
    }
  }
}
