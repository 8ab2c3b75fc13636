package dev.slipway.worker;

import hex.ModelCategory;
import hex.genmodel.GenModel;
import hex.genmodel.algos.glrm.GlrmMojoModel;
import hex.genmodel.algos.pca.PCAMojoModel;
import hex.genmodel.algos.targetencoder.ColumnsMapping;
import hex.genmodel.algos.targetencoder.TargetEncoderMojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.exception.PredictException;
import hex.genmodel.easy.prediction.AnomalyDetectionPrediction;
import hex.genmodel.easy.prediction.BinomialModelPrediction;
import hex.genmodel.easy.prediction.MultinomialModelPrediction;
import hex.genmodel.easy.prediction.OrdinalModelPrediction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a MOJO's rows are answered, by model category. A classifier answers {@code {"label",
 * "p"}}, a regression {@code {"value"}}; every other model served answers {@code {"columns":
 * [...]}}, the values of the columns h2o's own {@code predict} answers in the cluster, named by
 * {@link #outputs} (e.g. {@code predict, mean_length} for an Isolation Forest). A model whose
 * scores h2o-genmodel cannot give as h2o's {@code predict} does is refused at load.
 */
final class MojoAnswers {
  /** Scores one row. */
  interface Answer {
    Map<String, Object> score(EasyPredictModelWrapper w, RowData row) throws PredictException;
  }

  /** The column names of a {@code {"columns"}} answer; null for a classifier or regression. */
  final String[] outputs;

  final Answer answer;

  private MojoAnswers(String[] outputs, Answer answer) {
    this.outputs = outputs;
    this.answer = answer;
  }

  /** The wrapper that scores the model. */
  static EasyPredictModelWrapper wrap(GenModel model) {
    return new EasyPredictModelWrapper(
        new EasyPredictModelWrapper.Config()
            .setModel(model)
            // As h2o's PredictCsv does: a level the model never saw scores as missing. The
            // gateway refuses such a level first, unless the deployment asked to score it so.
            .setConvertUnknownCategoricalLevelsToNa(true));
  }

  /** How this model is answered, or UnsupportedModel naming the algorithm and what is missing. */
  static MojoAnswers of(EasyPredictModelWrapper w) throws WorkerException {
    GenModel m = w.m;
    String algo = m.getClass().getSimpleName().replace("MojoModel", "");
    ModelCategory category = w.getModelCategory();
    switch (category) {
      case Binomial:
        return classic(
            (wr, row) -> {
              BinomialModelPrediction b = wr.predictBinomial(row);
              return labelled(b.label, b.classProbabilities);
            });
      case Multinomial:
        return classic(
            (wr, row) -> {
              MultinomialModelPrediction p = wr.predictMultinomial(row);
              return labelled(p.label, p.classProbabilities);
            });
      case Ordinal:
        return classic(
            (wr, row) -> {
              OrdinalModelPrediction o = wr.predictOrdinal(row);
              return labelled(o.label, o.classProbabilities);
            });
      case Regression:
        return classic(
            (wr, row) -> {
              Map<String, Object> p = new LinkedHashMap<>();
              p.put("value", finite(wr.predictRegression(row).value));
              return p;
            });
      case AnomalyDetection:
        // h2o answers (normalized score, mean path length) as `predict, mean_length` for an
        // Isolation Forest and `anomaly_score, mean_length` for an Extended one: the MOJO's
        // own output names. With a contamination threshold it adds a flag; that is not served.
        if (m.getPredsSize() != 2)
          throw unsupported(
              algo,
              category,
              "its answer has an anomaly flag (a contamination or validation threshold), which"
                  + " Slipway does not answer yet");
        return columns(
            m.getOutputNames(),
            (wr, row) -> {
              AnomalyDetectionPrediction a = wr.predictAnomalyDetection(row);
              return values(a.normalizedScore, a.score);
            });
      case Clustering:
        // h2o's predict answers the cluster's index only, in a column named `predict`.
        return columns(
            new String[] {"predict"}, (wr, row) -> values(wr.predictClustering(row).cluster));
      case DimReduction:
        return dimReduction(m, algo, category);
      case CoxPH:
        return columns(new String[] {"lp"}, (wr, row) -> values(wr.predictCoxPH(row).value));
      case TargetEncoder:
        return targetEncoder(m, algo, category);
      default:
        throw unsupported(algo, category, NO_ANSWER);
    }
  }

  private static final String NO_ANSWER =
      "Slipway answers no prediction of h2o-genmodel's EasyPredictModelWrapper for it";

  private static MojoAnswers dimReduction(GenModel m, String algo, ModelCategory category)
      throws WorkerException {
    if (m instanceof PCAMojoModel)
      // The projections, `PC1`, `PC2`, … as h2o names them.
      return columns(
          m.getOutputNames(), (wr, row) -> values(wr.predictDimReduction(row).dimensions));
    if (m instanceof GlrmMojoModel)
      // h2o-genmodel solves each row's X from a random start seeded by how many rows the model
      // has scored before (GlrmMojoModel._rcnt), so one row's answer depends on the calls before
      // it: the same row scored alone or in another batch gets another reconstruction.
      throw unsupported(
          algo,
          category,
          "h2o-genmodel seeds each row's solve with a count of the rows scored before, so a row's"
              + " reconstruction depends on the calls before it and is not h2o's");
    throw unsupported(algo, category, NO_ANSWER);
  }

  private static MojoAnswers targetEncoder(GenModel m, String algo, ModelCategory category)
      throws WorkerException {
    TargetEncoderMojoModel te = (TargetEncoderMojoModel) m;
    // One encoding per encoded column, `<column>_te`, in the order the MOJO writes them.
    List<String> names = new ArrayList<>();
    for (ColumnsMapping mapping : te._inoutMapping) {
      if (mapping.from().length != 1)
        throw unsupported(
            algo,
            category,
            "encodings of column interactions "
                + Arrays.toString(mapping.from())
                + " are not served");
      names.addAll(Arrays.asList(mapping.to()));
    }
    if (names.size() != te.getPredsSize())
      throw unsupported(algo, category, "a multiclass target's per-class encodings are not served");
    return columns(
        names.toArray(new String[0]),
        (wr, row) -> values(wr.predictTargetEncoding(row).transformations));
  }

  private static MojoAnswers classic(Answer answer) {
    return new MojoAnswers(null, answer);
  }

  private static MojoAnswers columns(String[] names, Answer answer) {
    return new MojoAnswers(names, answer);
  }

  private static WorkerException unsupported(String algo, ModelCategory category, String why) {
    return new WorkerException(
        "UnsupportedModel",
        algo + " MOJOs (category " + category + ") are not served: " + why);
  }

  private static Map<String, Object> labelled(String label, double[] p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("label", label);
    out.put("p", finite(p));
    return out;
  }

  private static Map<String, Object> values(double... v) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("columns", v == null ? null : finite(v));
    return out;
  }

  /** JSON has no NaN or infinity: such a value is answered as null. */
  static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  static Double[] finite(double[] v) {
    Double[] out = new Double[v.length];
    for (int i = 0; i < v.length; i++) out[i] = finite(v[i]);
    return out;
  }
}
