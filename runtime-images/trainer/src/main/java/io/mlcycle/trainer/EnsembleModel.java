package io.mlcycle.trainer;

import io.mlcycle.model.Algorithm;
import io.mlcycle.model.Ensemble;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.TrainTask;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ensemble that won auto's selection (or that algorithm ensemble asked for): each member
 * evaluated by the validator like a single model, its scores blended with the selection's weights,
 * each member fitted, and all written as one artifact ({@link Ensemble}: a member is its own
 * artifact under {@code members/}).
 */
final class EnsembleModel {

    static final String WEIGHTS_FIT_BY =
            "weights >= 0 summing to 1, steps of 1/"
                    + Blend.STEPS
                    + ", by the lowest log loss of the out-of-fold probabilities; the mean and"
                    + " standard error blend each inner fold with weights fitted on the others";

    /**
     * One member.
     *
     * @param algorithm its learner
     * @param params its best point in the selection
     * @param weight its weight in the blend (> 0)
     * @param trial that point's trial
     */
    record Member(Algorithm algorithm, Fit.Params params, double weight, int trial) {}

    private final List<Member> members;
    private final List<Trainer.Evaluated> evals;
    private final Trainer.Evaluated blended;

    private EnsembleModel(
            List<Member> members, List<Trainer.Evaluated> evals, Trainer.Evaluated blended) {
        this.members = members;
        this.evals = evals;
        this.blended = blended;
    }

    /** The member with the largest weight (the first of equals). */
    static Member heaviest(List<Member> members) {
        return members.stream().max(Comparator.comparingDouble(Member::weight)).orElseThrow();
    }

    /** Every member evaluated by {@code validator}; the validation scores blended. */
    static EnsembleModel evaluate(
            List<Member> members, Validator validator, PreparedData data, TrainPlan plan) {
        List<Trainer.Evaluated> evals = new ArrayList<>();
        float[][] scores = new float[members.size()][];
        double[] w = new double[members.size()];
        double seconds = 0;
        List<Fit.Fitted> fits = new ArrayList<>();
        for (int m = 0; m < members.size(); m++) {
            Member member = members.get(m);
            Trainer.Evaluated e =
                    validator.evaluate(
                            member.algorithm(),
                            member.params(),
                            data.x(),
                            data.scaling(),
                            data.y(),
                            plan.seed(),
                            plan.stop());
            evals.add(e);
            scores[m] = e.scores();
            w[m] = member.weight();
            seconds += e.seconds();
            fits.addAll(e.fits());
        }
        float[] blend = Blend.apply(scores, w, Trainer.identity(scores[0].length));
        Trainer.Evaluated blended =
                new Trainer.Evaluated(
                        blend, evals.get(0).labels(), null, List.copyOf(fits), seconds);
        return new EnsembleModel(List.copyOf(members), evals, blended);
    }

    /** The validation scores of the blend. */
    Trainer.Evaluated blended() {
        return blended;
    }

    /**
     * The ensemble fitted: each member's model (the validator's fit on hold-out, else one on every
     * row), its spec, the ensemble's scorer and the files that publish it.
     */
    Trainer.Built build(TrainTask t, PreparedData data, TrainPlan plan, double threshold) {
        List<ModelArtifact> models = new ArrayList<>();
        List<ModelSpec> specs = new ArrayList<>();
        List<Fit.Fitted> fitted = new ArrayList<>();
        List<Ensemble.Member> written = new ArrayList<>();
        double[] w = new double[members.size()];
        for (int m = 0; m < members.size(); m++) {
            Member member = members.get(m);
            Fit.Fitted f =
                    Trainer.fitted(evals.get(m), member.algorithm(), member.params(), data, plan);
            ModelSpec spec =
                    Trainer.spec(t, data, member.algorithm(), member.params(), threshold, f);
            fitted.add(f);
            specs.add(spec);
            models.add(Trainer.scorer(spec, f));
            w[m] = member.weight();
            written.add(
                    new Ensemble.Member(
                            member.algorithm().id(),
                            Ensemble.directory(m, member.algorithm().id()),
                            member.weight()));
        }
        Member top = heaviest(members);
        ModelSpec spec = Trainer.spec(t, data, Algorithm.ENSEMBLE, top.params(), threshold, null);
        spec =
                new ModelSpec(
                        spec.model(),
                        spec.version(),
                        spec.algorithm(),
                        spec.entity(),
                        spec.features(),
                        spec.scaling(),
                        spec.threshold(),
                        new ModelSpec.Architecture(spec.features().size(), 1, 0, 0),
                        spec.trainedAt(),
                        spec.lineage(),
                        spec.labels(),
                        Ensemble.FILE,
                        spec.dropped());
        ModelSpec ensembleSpec = spec;
        ArtifactPublisher.ModelFiles files =
                dir -> {
                    for (int m = 0; m < written.size(); m++) {
                        ArtifactPublisher.files(specs.get(m), fitted.get(m))
                                .write(dir.resolve(written.get(m).directory()));
                    }
                    Ensemble.write(dir, ensembleSpec, written);
                };
        return new Trainer.Built(
                ensembleSpec,
                ModelArtifact.of(ensembleSpec, models, w),
                files,
                top.algorithm(),
                top.params());
    }
}
