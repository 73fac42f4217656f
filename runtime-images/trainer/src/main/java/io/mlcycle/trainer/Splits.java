package io.mlcycle.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Stratified, seeded splits of row positions: each class is shuffled and cut on its own. */
public final class Splits {

    private Splits() {}

    /** Training and validation rows (each ascending). */
    public record Split(int[] train, int[] test) {}

    public static Split holdout(int[] labels, double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException(
                    "validation.testFraction must be between 0 and 1, got " + testFraction);
        }
        Random rnd = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c = 0; c <= 1; c++) {
            int[] rows = shuffledClass(labels, c, rnd);
            int nTest = (int) Math.round(rows.length * testFraction);
            if (rows.length >= 2) {
                nTest = Math.max(1, Math.min(rows.length - 1, nTest));
            }
            for (int i = 0; i < rows.length; i++) {
                (i < nTest ? test : train).add(rows[i]);
            }
        }
        return new Split(sorted(train), sorted(test));
    }

    /** {@code folds} splits whose test parts partition all rows; class shares differ by ≤ 1. */
    public static List<Split> kfold(int[] labels, int folds, long seed) {
        if (folds < 2 || folds > labels.length) {
            throw new IllegalArgumentException(
                    "validation.folds must be between 2 and the number of rows, got " + folds);
        }
        Random rnd = new Random(seed);
        int[] fold = new int[labels.length];
        int offset = 0;
        for (int c = 0; c <= 1; c++) {
            int[] rows = shuffledClass(labels, c, rnd);
            for (int i = 0; i < rows.length; i++) {
                // continue the round robin across classes so fold sizes stay balanced overall
                fold[rows[i]] = (offset + i) % folds;
            }
            offset += rows.length;
        }
        List<Split> out = new ArrayList<>();
        for (int f = 0; f < folds; f++) {
            List<Integer> train = new ArrayList<>();
            List<Integer> test = new ArrayList<>();
            for (int r = 0; r < labels.length; r++) {
                (fold[r] == f ? test : train).add(r);
            }
            out.add(new Split(sorted(train), sorted(test)));
        }
        return out;
    }

    private static int[] shuffledClass(int[] labels, int c, Random rnd) {
        int[] rows = new int[labels.length];
        int n = 0;
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] == c) {
                rows[n++] = r;
            }
        }
        rows = Arrays.copyOf(rows, n);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        return rows;
    }

    private static int[] sorted(List<Integer> rows) {
        int[] a = rows.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }
}
