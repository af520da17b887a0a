package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;

/**
 * SPEC.md's engine properties on random shapes, odd sizes and masks included. Inputs are
 * uniform in [-1, 1); jqwik draws the shape and a seed (fixed seeds: reproducible runs).
 */
class CpuEnginePropertiesTest {

    /**
     * One cluster vs dense: the same softmax over the same keys in another order, H times,
     * then averaged with weights that sum to 1 up to rounding. Float32 rounding over at most a
     * few hundred keys stays far below this (the figure).
     */
    private static final float ONE_CLUSTER_TOLERANCE = 1e-5f;
    /**
     * Outputs may leave the hull of V by rounding: a weighted mean computed in float32
     * (normalised by a separately rounded sum, then combined over rounds) is off by a few
     * ulp of max |v| <= 1.
     */
    private static final float HULL_SLACK = 1e-5f;
    /** out(Q, K, aV) vs a * out(Q, K, V) for a that is not a power of two, relative to max |a v|. */
    private static final float LINEARITY_TOLERANCE = 1e-5f;

    private static final int TRIES = 40;

    private static CpuEngine engine;
    private static CpuEngine singleThread;
    private static CpuEngine scalarKernel;

    @BeforeContainer
    static void open() {
        engine = new CpuEngine();
        singleThread = new CpuEngine(1);
        scalarKernel = new CpuEngine(3, new ScalarBlockAttention());
    }

    @AfterContainer
    static void close() {
        engine.close();
        singleThread.close();
        scalarKernel.close();
    }

    @Property(tries = TRIES, seed = "11")
    void oneClusterEqualsDenseForAnyRoundCount(@ForAll @IntRange(min = 1, max = 3) int batch,
            @ForAll @IntRange(min = 1, max = 150) int nq, @ForAll @IntRange(min = 1, max = 300) int nk,
            @ForAll @IntRange(min = 1, max = 40) int d, @ForAll @IntRange(min = 1, max = 40) int dv,
            @ForAll @IntRange(min = 1, max = 6) int hashes, @ForAll boolean masked, @ForAll long seed) {
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(batch, nq, nk, d, dv), masked ? 0.4 : 0);
        AttentionConfig oneCluster = AttentionConfig.builder().mode(Mode.SMYRF).hashes(hashes)
                .queryClusterSize(nq).keyClusterSize(nk).seed(seed).build();
        float[] smyrf = engine.attend(oneCluster, in);
        float[] dense = engine.attend(oneCluster.toBuilder().mode(Mode.DENSE).build(), in);
        assertClose(dense, smyrf, ONE_CLUSTER_TOLERANCE, "one cluster vs dense");
    }

    @Property(tries = TRIES, seed = "12")
    void rowsAreConvexCombinationsOfValues(@ForAll @IntRange(min = 1, max = 6) int clusters,
            @ForAll @IntRange(min = 1, max = 40) int cq, @ForAll @IntRange(min = 1, max = 40) int ck,
            @ForAll @IntRange(min = 0, max = 1000) int shortenQ, @ForAll @IntRange(min = 0, max = 1000) int shortenK,
            @ForAll @IntRange(min = 1, max = 33) int d, @ForAll @IntRange(min = 1, max = 33) int dv,
            @ForAll @IntRange(min = 1, max = 5) int hashes, @ForAll long seed) {
        int nq = clusters * cq - shortenQ % cq;
        int nk = clusters * ck - shortenK % ck;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(2, nq, nk, d, dv), 0);
        AttentionConfig config = AttentionConfig.builder().hashes(hashes).queryClusterSize(cq).keyClusterSize(ck)
                .seed(seed).build();
        float[] out = engine.attend(config, in);
        float[] v = in.v();
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < dv; c++) {
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < nk; j++) {
                    lo = Math.min(lo, v[(b * nk + j) * dv + c]);
                    hi = Math.max(hi, v[(b * nk + j) * dv + c]);
                }
                for (int i = 0; i < nq; i++) {
                    float o = out[(b * nq + i) * dv + c];
                    if (o < lo - HULL_SLACK || o > hi + HULL_SLACK) {
                        fail("out[b=" + b + ", i=" + i + ", c=" + c + "] = " + o + " outside [" + lo + ", " + hi
                                + "] of the values");
                    }
                }
            }
        }
    }

    @Property(tries = TRIES, seed = "13")
    void scalingValuesScalesTheOutput(@ForAll @IntRange(min = 1, max = 5) int clusters,
            @ForAll @IntRange(min = 1, max = 50) int cq, @ForAll @IntRange(min = 1, max = 1000) int shorten,
            @ForAll @IntRange(min = 1, max = 33) int d, @ForAll @IntRange(min = 1, max = 33) int dv,
            @ForAll @IntRange(min = -8, max = 8) int exponent, @ForAll boolean masked, @ForAll long seed) {
        int n = clusters * cq - shorten % cq;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(2, n, n, d, dv), masked ? 0.3 : 0);
        AttentionConfig config = AttentionConfig.builder().hashes(3).clusterSize(cq).seed(seed).build();
        float[] out = engine.attend(config, in);

        // A power of two commutes with every rounding: exactly a * out.
        float a = Math.scalb(1f, exponent);
        float[] scaledOut = engine.attend(config, withValues(in, scaled(in.v(), a)));
        BitExact.assertSame(scaled(out, a), scaledOut, "out(Q, K, 2^" + exponent + " V)");

        // Any other factor: equal up to rounding.
        float factor = -2.75f;
        float[] other = engine.attend(config, withValues(in, scaled(in.v(), factor)));
        assertClose(scaled(out, factor), other, LINEARITY_TOLERANCE * Math.abs(factor), "out(Q, K, -2.75 V)");
    }

    @Property(tries = TRIES, seed = "14")
    void resultsAreBitIdenticalAcrossCallsEnginesAndKernels(@ForAll @IntRange(min = 1, max = 4) int clusters,
            @ForAll @IntRange(min = 1, max = 70) int cq, @ForAll @IntRange(min = 1, max = 1000) int shorten,
            @ForAll @IntRange(min = 1, max = 40) int d, @ForAll @IntRange(min = 1, max = 40) int dv,
            @ForAll boolean dense, @ForAll boolean masked, @ForAll long seed) {
        int n = clusters * cq - shorten % cq;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(3, n, n, d, dv), masked ? 0.3 : 0);
        AttentionConfig config = AttentionConfig.builder().mode(dense ? Mode.DENSE : Mode.SMYRF).hashes(2)
                .clusterSize(cq).seed(seed).build();
        float[] first = engine.attend(config, in);
        BitExact.assertSame(first, engine.attend(config, in), "second call");
        BitExact.assertSame(first, singleThread.attend(config, in), "one-thread engine");
        BitExact.assertSame(first, scalarKernel.attend(config, in), "scalar kernel (3 threads)");
        try (CpuEngine fresh = new CpuEngine()) {
            BitExact.assertSame(first, fresh.attend(config, in), "a new engine");
        }
    }

    @Property(tries = TRIES, seed = "15")
    void maskedKeysNeverInfluenceTheOutput(@ForAll @IntRange(min = 1, max = 4) int clusters,
            @ForAll @IntRange(min = 1, max = 40) int cq, @ForAll @IntRange(min = 1, max = 1000) int shorten,
            @ForAll @IntRange(min = 1, max = 120) int nkDense, @ForAll @IntRange(min = 1, max = 30) int d,
            @ForAll @IntRange(min = 1, max = 30) int dv, @ForAll boolean dense, @ForAll long seed) {
        int n = clusters * cq - shorten % cq;
        int nk = dense ? nkDense : n;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(2, n, nk, d, dv), 0.4);
        AttentionConfig config = dense
                ? AttentionConfig.builder().mode(Mode.DENSE).build()
                : AttentionConfig.builder().mode(Mode.SMYRF).hashes(3).clusterSize(cq).seed(seed).build();
        // SPEC step 1 takes MK over every key, masked ones too: keep masked keys' norms below
        // the largest valid norm in both versions, so only their directions and values change.
        float[] k = in.k().clone();
        float[] v = in.v().clone();
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int b = 0; b < 2; b++) {
            double validMax = 0;
            for (int j = 0; j < nk; j++) {
                if (in.isKeyValid(b, j)) {
                    validMax = Math.max(validMax, norm(in.k(), (b * nk + j) * d, d));
                }
            }
            for (int j = 0; j < nk; j++) {
                if (!in.isKeyValid(b, j)) {
                    int row = (b * nk + j) * d;
                    shrink(in.k(), row, d, validMax);
                    for (int c = 0; c < d; c++) {
                        k[row + c] = (float) (random.nextDouble() * 2 - 1);
                    }
                    shrink(k, row, d, validMax);
                    for (int c = 0; c < dv; c++) {
                        v[(b * nk + j) * dv + c] = (float) ((random.nextDouble() * 2 - 1) * 1e6);
                    }
                }
            }
        }
        float[] original = engine.attend(config, in);
        float[] changed = engine.attend(config, AttentionInputs.of(in.shape(), in.q(), k, v, in.keyValid()));
        BitExact.assertSame(original, changed, "output after changing masked keys and values");
    }

    @Property(tries = TRIES, seed = "16")
    void lengthsThatAreNotMultiplesArePaddedInternally(@ForAll @IntRange(min = 1, max = 6) int clusters,
            @ForAll @IntRange(min = 1, max = 40) int cq, @ForAll @IntRange(min = 1, max = 40) int ck,
            @ForAll @IntRange(min = 0, max = 1000) int shortenQ, @ForAll @IntRange(min = 0, max = 1000) int shortenK,
            @ForAll @IntRange(min = 1, max = 20) int d, @ForAll boolean masked, @ForAll long seed) {
        int nq = clusters * cq - shortenQ % cq;
        int nk = clusters * ck - shortenK % ck;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(2, nq, nk, d, 5), masked ? 0.3 : 0);
        AttentionConfig config = AttentionConfig.builder().hashes(2).queryClusterSize(cq).keyClusterSize(ck)
                .seed(seed).build();
        SmyrfTrace trace = engine.trace(config, in);
        assertEquals(clusters, trace.plan().clusters(), "clusters");
        assertEquals(2 * nq * 5, trace.output().length, "output length");
        for (float x : trace.output()) {
            assertTrue(Float.isFinite(x), "non-finite output " + x);
        }
        OrderChecks.assertSortedOrders(trace.queryOrder(), trace.queryHashes(), 2, 2, nq, clusters * cq,
                in::isQueryValid, "query order");
        OrderChecks.assertSortedOrders(trace.keyOrder(), trace.keyHashes(), 2, 2, nk, clusters * ck,
                in::isKeyValid, "key order");
    }

    private static AttentionInputs withValues(AttentionInputs in, float[] v) {
        return AttentionInputs.of(in.shape(), in.q(), in.k(), v, in.keyValid());
    }

    private static float[] scaled(float[] x, float a) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * a;
        }
        return y;
    }

    private static double norm(float[] x, int offset, int d) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            s += (double) x[offset + c] * x[offset + c];
        }
        return Math.sqrt(s);
    }

    /** Scales row x[offset..offset+d) so that its norm is at most half of {@code limit}. */
    private static void shrink(float[] x, int offset, int d, double limit) {
        double n = norm(x, offset, d);
        if (n > limit / 2) {
            double f = limit / 2 / n;
            for (int c = 0; c < d; c++) {
                x[offset + c] = (float) (x[offset + c] * f);
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                fail(what + ": first difference beyond " + tolerance + " at index " + i + ": expected "
                        + expected[i] + ", actual " + actual[i]);
            }
        }
    }
}
