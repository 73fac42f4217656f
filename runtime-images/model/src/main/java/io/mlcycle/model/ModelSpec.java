package io.mlcycle.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mlcycle.task.FeatureInput;

import java.util.List;
import java.util.Map;

/**
 * What {@code model.json} holds: everything needed to rebuild the network and to map raw feature
 * values into its input.
 *
 * @param model model name
 * @param version model version number (the {@code v<N>} directory)
 * @param algorithm resnet, mlp, logistic, xgboost or ensemble
 * @param entity entity column the rows are keyed by
 * @param features input features in index order; {@code name} is {@code <featureView>/<feature>}
 * @param scaling how raw values are scaled before the first layer
 * @param threshold decision threshold for the positive class
 * @param architecture network shape
 * @param trainedAt ISO-8601 instant
 * @param lineage the feature table versions the model was trained on
 * @param labels label table URI
 * @param parameters file name of the DJL parameters (xgboost: XGBoost's JSON model; ensemble:
 *     {@link Ensemble#FILE}) next to model.json
 * @param dropped features removed before training (correlated or not selected), with the reason
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(
        String model,
        int version,
        String algorithm,
        String entity,
        List<Feature> features,
        Scaling scaling,
        double threshold,
        Architecture architecture,
        String trainedAt,
        List<FeatureInput> lineage,
        String labels,
        String parameters,
        Map<String, String> dropped) {

    public static final String FILE = "model.json";
    public static final String PARAMETERS = "model.params";

    /** The parameters file of an xgboost model: XGBoost's own JSON model. */
    public static final String TREES = "model.xgb.json";

    /**
     * One input feature.
     *
     * @param name {@code <featureView>/<feature>}, unique in the model
     * @param featureView the FeatureView it came from
     * @param source the feature's name inside that FeatureView
     */
    public record Feature(String name, String featureView, String source) {}

    /**
     * Per-feature scaling, aligned with {@link ModelSpec#features}.
     *
     * @param method minmax, log (sign(v)·log1p(|v|), then min-max over the transformed min and max)
     *     or none; see {@link InputScaling}
     * @param min stored minimum of each feature (from features.json)
     * @param max stored maximum of each feature
     */
    public record Scaling(String method, List<Double> min, List<Double> max) {}

    /**
     * Network shape.
     *
     * @param inputs number of input features
     * @param hiddenSize width of the hidden layers (1 for logistic)
     * @param blocks residual (resnet) or hidden (mlp) blocks
     * @param dropout dropout rate used while training (inactive when scoring)
     */
    public record Architecture(int inputs, int hiddenSize, int blocks, double dropout) {}

    public List<String> featureNames() {
        return features.stream().map(Feature::name).toList();
    }
}
