package dev.slipway.worker;

import static dev.slipway.worker.MojoFixtures.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Main} on a thread of the test, spoken to as the gateway's WorkerProcess does: request
 * lines in through a pipe, answer lines out, matched by id. Every line the worker writes is kept.
 */
final class InProcessWorker implements AutoCloseable {
  private static final long WAIT_SECONDS = 30;

  private final Writer requests;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  /** Every line written, in order, whether or not a test has taken it yet. */
  final List<String> written = Collections.synchronizedList(new ArrayList<>());

  private final Map<Long, JsonNode> early = new HashMap<>();
  private final Thread thread;
  private volatile Throwable failure;
  private long nextId = 1;

  InProcessWorker(int threads) throws IOException {
    Pipe pipe = Pipe.open();
    requests = Channels.newWriter(pipe.sink(), StandardCharsets.UTF_8.newEncoder(), -1);
    Main main =
        new Main(
            Channels.newReader(pipe.source(), StandardCharsets.UTF_8.newDecoder(), -1),
            new LineWriter(),
            threads);
    thread =
        new Thread(
            () -> {
              try {
                main.run();
              } catch (Throwable e) {
                failure = e;
              }
            },
            "worker-under-test");
    thread.start();
  }

  /** Writes one raw line to the worker's input. */
  void send(String line) throws IOException {
    requests.write(line);
    requests.write('\n');
    requests.flush();
  }

  /** Sends a request and returns its id, without waiting for the answer. */
  long request(String method, JsonNode args) throws IOException {
    long id = nextId++;
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("args", args);
    send(JSON.writeValueAsString(msg));
    return id;
  }

  /** Sends a request and waits for its answer, {@code {"id", "result" | "error"}}. */
  JsonNode call(String method, JsonNode args) throws Exception {
    return answer(request(method, args));
  }

  /** The answer to request {@code id}, keeping others that arrive first for their own callers. */
  JsonNode answer(long id) throws Exception {
    JsonNode kept = early.remove(id);
    if (kept != null) return kept;
    for (; ; ) {
      JsonNode msg = next();
      if (msg.path("id").asLong(-1) == id) return msg;
      early.put(msg.path("id").asLong(-1), msg);
    }
  }

  /** The next line the worker writes, parsed; fails the test when none comes in time. */
  JsonNode next() throws Exception {
    String line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    if (line == null) throw new AssertionError("no answer in " + WAIT_SECONDS + " s");
    return JSON.readTree(line);
  }

  /** Closes the worker's input, as a stopping gateway does, and waits for the worker to end. */
  @Override
  public void close() throws Exception {
    requests.close();
    thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    if (thread.isAlive()) throw new AssertionError("the worker did not end when its input closed");
    if (failure != null) throw new AssertionError("the worker failed", failure);
  }

  /** Cuts what the worker writes into lines. */
  private final class LineWriter extends Writer {
    private final StringBuilder pending = new StringBuilder();

    @Override
    public void write(char[] buf, int off, int len) {
      for (int i = off; i < off + len; i++) {
        if (buf[i] != '\n') {
          pending.append(buf[i]);
          continue;
        }
        String line = pending.toString();
        pending.setLength(0);
        written.add(line);
        lines.add(line);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
