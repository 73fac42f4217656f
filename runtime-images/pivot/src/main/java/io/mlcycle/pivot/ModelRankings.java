package io.mlcycle.pivot;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.Layout;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The online columns a FeatureView keeps for the models its {@code pivot.select.fromModels} names,
 * from each version's full SHAP ranking ({@value Layout#IMPORTANCE} beside its artifact, every
 * feature) rather than the few the pod summary could record: each version's top K features by mean
 * |SHAP| over every view it was trained on, those of this view ({@code <view>/<column>}) as column
 * names, joined with the operator's list.
 */
final class ModelRankings {

    /** The reason when a version's ranking cannot be read. */
    static final String UNREADABLE = "RankingUnreadable";

    private ModelRankings() {}

    /** One feature of a ranking: its name as trained and its mean |SHAP|. */
    record Ranked(String name, double importance) {}

    /**
     * {@code online.columns} plus, for each version of {@code online.ranking}, its top {@code topK}
     * features that come from {@code view}; sorted. Without a ranking, the list as it is.
     *
     * @throws TaskFailure when a version's ranking cannot be read, naming the version and the file
     */
    static List<String> columns(PivotTask.Online online, String view) {
        if (online.ranking() == null) {
            return online.columns();
        }
        Set<String> columns = new TreeSet<>(online.columns());
        for (PivotTask.RankedModel model : online.ranking().models()) {
            List<String> mine = topOfView(read(model), view, online.ranking().topK());
            System.err.printf(
                    "mlcycle-pivot: %s: %d of its top %d features by SHAP come from %s%n",
                    model.name(), mine.size(), online.ranking().topK(), view);
            columns.addAll(mine);
        }
        return List.copyOf(columns);
    }

    /**
     * The column names, among the {@code topK} largest of {@code ranking} by importance (ties in
     * the ranking's order), that come from FeatureView {@code view}, largest first.
     */
    static List<String> topOfView(List<Ranked> ranking, String view, int topK) {
        String prefix = view + "/";
        List<Ranked> sorted = new ArrayList<>(ranking);
        sorted.sort(Comparator.comparingDouble((Ranked r) -> -Math.abs(r.importance())));
        return sorted.stream()
                .limit(topK)
                .map(Ranked::name)
                .filter(n -> n.startsWith(prefix) && n.length() > prefix.length())
                .map(n -> n.substring(prefix.length()))
                .toList();
    }

    /** The version's ranking, read from its artifact directory (staged first from s3). */
    static List<Ranked> read(PivotTask.RankedModel model) {
        String uri = Uris.resolve(model.artifactUri(), Layout.IMPORTANCE);
        String what = model.name() + "'s feature ranking " + uri;
        Path file = Uris.toPath(uri, "online.ranking.models[" + model.name() + "]");
        if (!Files.isRegularFile(file)) {
            throw unreadable(what + " does not exist (the trainer writes it beside the artifact)");
        }
        JsonNode root;
        try {
            root = TaskJson.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw unreadable(what + " is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw unreadable(what + " is not a JSON array of {name, importance}");
        }
        List<Ranked> ranking = new ArrayList<>();
        for (JsonNode e : root) {
            JsonNode name = e.get("name");
            JsonNode importance = e.get("importance");
            if (name == null || !name.isTextual() || importance == null || !importance.isNumber()) {
                throw unreadable(
                        what + " has an entry without a name and a numeric importance: " + e);
            }
            ranking.add(new Ranked(name.asText(), importance.asDouble()));
        }
        return ranking;
    }

    private static TaskFailure unreadable(String message) {
        return new TaskFailure(Summary.Outcome.Failed, UNREADABLE, message);
    }
}
