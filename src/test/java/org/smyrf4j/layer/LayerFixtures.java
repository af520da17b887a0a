package org.smyrf4j.layer;

import java.util.SplittableRandom;

/** Seeded random weights, inputs and masks for layer tests, and the comparisons they use. */
public final class LayerFixtures {

    private LayerFixtures() {
    }

    /**
     * Weights drawn like {@code nn.Linear}'s default initialisation, uniform in
     * +-1/sqrt(dmodel), so projections of unit-variance tokens stay O(1) and the softmax is
     * neither flat nor one-hot.
     */
    public static AttentionWeights weights(long seed, int modelDim, boolean biases) {
        SplittableRandom random = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(modelDim);
        Linear[] p = new Linear[4];
        String[] names = {"query", "key", "value", "output"};
        for (int i = 0; i < 4; i++) {
            p[i] = Linear.of(names[i], uniform(random, modelDim * modelDim, bound),
                    biases ? uniform(random, modelDim, bound) : null, modelDim, modelDim);
        }
        return new AttentionWeights(p[0], p[1], p[2], p[3]);
    }

    /** Standard normal values. */
    public static float[] gaussian(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) gaussian(random);
        }
        return a;
    }

    /** A padding mask (batch, len): row b keeps its first len - pad[b] tokens. */
    public static boolean[] padding(int len, int... padPerRow) {
        boolean[] mask = new boolean[padPerRow.length * len];
        for (int b = 0; b < padPerRow.length; b++) {
            for (int j = 0; j < len - padPerRow[b]; j++) {
                mask[b * len + j] = true;
            }
        }
        return mask;
    }

    /**
     * The largest error of {@code got} against {@code ref}, each element's error relative to
     * {@code |ref| + rms(ref)}: relative where the element is large, and judged on the output's
     * scale where it is near zero (the output projection sums terms of both signs, so some
     * elements are small by cancellation and their own relative error means nothing).
     */
    public static double maxRelativeError(float[] got, double[] ref, boolean[] rowsCounted, int width) {
        double rms = rms(ref);
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            if (rowsCounted != null && !rowsCounted[i / width]) {
                continue;
            }
            worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (Math.abs(ref[i]) + rms));
        }
        return worst;
    }

    /** The first index where the relative error exceeds {@code tolerance}, or -1. */
    public static int firstMismatch(float[] got, double[] ref, boolean[] rowsCounted, int width, double tolerance) {
        double rms = rms(ref);
        for (int i = 0; i < ref.length; i++) {
            if (rowsCounted != null && !rowsCounted[i / width]) {
                continue;
            }
            if (!(Math.abs(got[i] - ref[i]) <= tolerance * (Math.abs(ref[i]) + rms))) {
                return i;
            }
        }
        return -1;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double rms(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s / a.length);
    }

    private static float[] uniform(SplittableRandom random, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return a;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
