package dev.slipway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hex.genmodel.MojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor the MOJO benchmark (gateway/bench/mojo.mjs) compares Slipway with: the same MOJO
 * scored by EasyPredictModelWrapper in a plain Java loop, as a Java service embedding
 * h2o-genmodel would, one row per call (its RowData built from the parsed JSON record each time).
 * Unknown levels score as missing, as in the worker.
 *
 * <p>{@code java -cp <classpath> dev.slipway.bench.ScoringLoop <mojo.zip> <records.json>
 * <seconds> <threads>} prints one JSON line: sequential latency percentiles in microseconds and
 * calls per second, then calls per second with {@code threads} threads (see pom.xml for the
 * classpath).
 */
public final class ScoringLoop {
  public static void main(String[] args) throws Exception {
    EasyPredictModelWrapper model =
        new EasyPredictModelWrapper(
            new EasyPredictModelWrapper.Config()
                .setModel(MojoModel.load(args[0]))
                .setConvertUnknownCategoricalLevelsToNa(true));
    JsonNode records = new ObjectMapper().readTree(new File(args[1]));
    double seconds = Double.parseDouble(args[2]);
    int threads = Integer.parseInt(args[3]);

    // Warm-up: let the JIT compile the scoring path before anything is timed.
    long warmEnd = System.nanoTime() + (long) (Math.min(5, seconds) * 1e9);
    for (int i = 0; System.nanoTime() < warmEnd; i++) score(model, records.get(i % records.size()));

    List<Long> lat = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    for (int i = 0; System.nanoTime() < end; i++) {
      long t = System.nanoTime();
      score(model, records.get(i % records.size()));
      lat.add(System.nanoTime() - t);
    }
    long[] sorted = lat.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);

    AtomicLong done = new AtomicLong();
    long stopAt = System.nanoTime() + (long) (seconds * 1e9);
    Thread[] pool = new Thread[threads];
    for (int k = 0; k < threads; k++) {
      final int offset = k;
      pool[k] =
          new Thread(
              () -> {
                try {
                  for (int i = offset; System.nanoTime() < stopAt; i++) {
                    score(model, records.get(i % records.size()));
                    done.incrementAndGet();
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      pool[k].start();
    }
    for (Thread t : pool) t.join();

    System.out.printf(
        "{\"calls\":%d,\"p50Us\":%.3f,\"p95Us\":%.3f,\"p99Us\":%.3f,\"seqPerSec\":%.1f,\"threads\":%d,\"parallelPerSec\":%.1f,\"java\":\"%s\"}%n",
        sorted.length,
        pct(sorted, 50),
        pct(sorted, 95),
        pct(sorted, 99),
        sorted.length / seconds,
        threads,
        done.get() / seconds,
        Runtime.version());
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) (p / 100.0 * sorted.length))] / 1000.0;
  }

  private static Object score(EasyPredictModelWrapper model, JsonNode record) throws Exception {
    RowData row = new RowData();
    for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNumber()) row.put(e.getKey(), v.asDouble());
      else if (v.isTextual()) row.put(e.getKey(), v.asText());
    }
    return model.predictBinomial(row);
  }
}
