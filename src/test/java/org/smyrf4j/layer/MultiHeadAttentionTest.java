package org.smyrf4j.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smyrf4j.layer.LayerFixtures.firstMismatch;
import static org.smyrf4j.layer.LayerFixtures.gaussian;
import static org.smyrf4j.layer.LayerFixtures.maxRelativeError;
import static org.smyrf4j.layer.LayerFixtures.padding;
import static org.smyrf4j.layer.LayerFixtures.toDouble;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.BackendKind;
import org.smyrf4j.Mode;

/**
 * The layer against a float64 multi-head attention written from the definition, on odd sizes
 * (dmodel 60 and 42, head dims 12 and 14, 37, 19 and 29 tokens), and SMYRF with one cluster
 * against dense.
 */
class MultiHeadAttentionTest {

    /**
     * Dense layer vs float64: float32 rounding through four GEMMs of depth <= 60 and a softmax
     * over <= 37 keys stays near 1e-6; the issue asks for 1e-4.
     */
    static final double DENSE_TOLERANCE = 1e-4;
    /**
     * SMYRF with one cluster vs dense: the same sums in another key order, plus the rounds'
     * combination (weights 1/H in float32), so float32 rounding only.
     */
    static final double ONE_CLUSTER_TOLERANCE = 1e-5;

    private static AttentionEngine engine;
    private static CpuGemm gemm;

    @BeforeAll
    static void start() {
        engine = AttentionEngine.create(BackendKind.CPU);
        gemm = new CpuGemm(2);
    }

    @AfterAll
    static void stop() {
        engine.close();
        gemm.close();
    }

    @Test
    void denseSelfAttentionMatchesFloat64() {
        AttentionWeights w = LayerFixtures.weights(1, 60, true);
        LayerInputs in = LayerInputs.selfAttention(gaussian(2, 2 * 37 * 60), 2, 37, 60);
        float[] y = layer(w, 5).forward(engine, dense(), in);
        assertClose(y, MhaReference.forward(w, 5, in, 1 / Math.sqrt(12)), null, 60, DENSE_TOLERANCE);
    }

    @Test
    void denseCrossAttentionWithPaddedMemoryMatchesFloat64() {
        AttentionWeights w = LayerFixtures.weights(3, 42, true);
        // Row 2 has every memory token padded: its attention is 0 and y is the output bias.
        LayerInputs in = LayerInputs.crossAttention(gaussian(4, 3 * 19 * 42), 3, 19, gaussian(5, 3 * 29 * 42), 29, 42)
                .withKeyValid(padding(29, 0, 11, 29));
        float[] y = layer(w, 3).forward(engine, dense(), in);
        double[] ref = MhaReference.forward(w, 3, in, 1 / Math.sqrt(14));
        assertClose(y, ref, null, 42, DENSE_TOLERANCE);
        for (int c = 0; c < 42; c++) {
            assertEquals(w.output().bias()[c], y[(2 * 19) * 42 + c], 1e-6, "row without keys: y = output bias");
        }
    }

    @Test
    void denseSelfAttentionWithPaddingMatchesFloat64OnRealTokens() {
        AttentionWeights w = LayerFixtures.weights(6, 60, true);
        boolean[] mask = padding(37, 5, 0);
        LayerInputs in = LayerInputs.selfAttention(gaussian(7, 2 * 37 * 60), 2, 37, 60).withKeyValid(mask);
        float[] y = layer(w, 5).forward(engine, dense(), in);
        // The padded tokens' rows are not meaningful (see LayerInputs.withKeyValid).
        assertClose(y, MhaReference.forward(w, 5, in, 1 / Math.sqrt(12)), mask, 60, DENSE_TOLERANCE);
    }

    @Test
    void withoutBiasesAndWithAScaleMatchesFloat64() {
        AttentionWeights w = LayerFixtures.weights(8, 42, false);
        LayerInputs in = LayerInputs.selfAttention(gaussian(9, 19 * 42), 1, 19, 42);
        AttentionConfig config = AttentionConfig.builder().mode(Mode.DENSE).scale(0.4f).build();
        float[] y = layer(w, 7).forward(engine, config, in);
        assertClose(y, MhaReference.forward(w, 7, in, 0.4f), null, 42, DENSE_TOLERANCE);
    }

    @Test
    void smyrfWithOneClusterEqualsDense() {
        AttentionWeights w = LayerFixtures.weights(10, 60, true);
        LayerInputs self = LayerInputs.selfAttention(gaussian(11, 2 * 37 * 60), 2, 37, 60);
        AttentionConfig oneCluster = AttentionConfig.builder().mode(Mode.SMYRF).hashes(3).clusterSize(37).seed(4)
                .build();
        MultiHeadAttention layer = layer(w, 5);
        assertClose(layer.forward(engine, oneCluster, self), toDouble(layer.forward(engine, dense(), self)), null, 60,
                ONE_CLUSTER_TOLERANCE);

        LayerInputs cross = LayerInputs.crossAttention(gaussian(12, 2 * 19 * 60), 2, 19, gaussian(13, 2 * 29 * 60),
                29, 60).withKeyValid(padding(29, 3, 0));
        AttentionConfig oneCrossCluster = AttentionConfig.builder().mode(Mode.SMYRF).hashes(2).queryClusterSize(19)
                .keyClusterSize(29).build();
        assertClose(layer.forward(engine, oneCrossCluster, cross), toDouble(layer.forward(engine, dense(), cross)),
                null, 60, ONE_CLUSTER_TOLERANCE);
    }

    @Test
    void smyrfWithSeveralClustersRunsAndRepeatsBitForBit() {
        AttentionWeights w = LayerFixtures.weights(14, 60, true);
        LayerInputs in = LayerInputs.selfAttention(gaussian(15, 2 * 37 * 60), 2, 37, 60);
        AttentionConfig config = AttentionConfig.builder().hashes(2).clusterSize(8).seed(1).build();
        float[] first = layer(w, 5).forward(engine, config, in);
        assertArrayEquals(first, layer(w, 5).forward(engine.backendEngine(), config, in));
        for (float v : first) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void headsMustDivideModelDim() {
        AttentionWeights w = LayerFixtures.weights(1, 60, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MultiHeadAttention(w, 7, gemm));
        assertTrue(e.getMessage().contains("heads must divide dmodel = 60, got heads = 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(w, 0, gemm));
        assertTrue(e.getMessage().contains("got heads = 0"), e.getMessage());
    }

    @Test
    void inputsOfAnotherModelDimAreRefused() {
        AttentionWeights w = LayerFixtures.weights(1, 60, true);
        LayerInputs in = LayerInputs.selfAttention(new float[4 * 42], 1, 4, 42);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer(w, 5).forward(engine, dense(), in));
        assertTrue(e.getMessage().contains("dmodel = 42 but the weights are for dmodel = 60"), e.getMessage());
    }

    @Test
    void projectionsAreForTheHeadDim() {
        AttentionWeights w = LayerFixtures.weights(1, 60, true);
        LayerInputs in = LayerInputs.selfAttention(gaussian(1, 8 * 60), 1, 8, 60);
        // (d+2) x H for the model width instead of the head width (12): refused by the engine.
        AttentionConfig wrong = AttentionConfig.builder().projections(new float[62 * 2], 2).clusterSize(4).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer(w, 5).forward(engine, wrong, in));
        assertTrue(e.getMessage().contains("dim=12"), e.getMessage());
    }

    @Test
    void badInputsAreNamed() {
        assertMessage(() -> LayerInputs.selfAttention(new float[10], 2, 3, 4),
                "x must hold (batch, tokens, dmodel) = (2, 3, 4) = 24 values, got 10");
        float[] x = new float[24];
        x[7] = Float.NaN;
        assertMessage(() -> LayerInputs.selfAttention(x, 2, 3, 4), "x must be finite, got NaN at index 7");
        assertMessage(() -> LayerInputs.crossAttention(new float[24], 2, 3, new float[7], 5, 4),
                "memory must hold (batch, tokens, dmodel) = (2, 5, 4) = 40 values, got 7");
        assertMessage(() -> LayerInputs.crossAttention(new float[24], 2, 3, new float[40], 5, 4)
                .withKeyValid(new boolean[6]), "keyValid must hold (batch, keyLen) = (2, 5) = 10 values, got 6");
        assertMessage(() -> LayerInputs.selfAttention(new float[0], 0, 3, 4), "batch must be > 0, got 0");
    }

    @Test
    void badWeightsAreNamed() {
        assertMessage(() -> Linear.of("key", new float[5], null, 2, 3),
                "key.weight must hold (out, in) = (2, 3) = 6 values, got 5");
        assertMessage(() -> Linear.of("key", new float[6], new float[3], 2, 3), "key.bias must hold out = 2 values, got 3");
        float[] w = new float[6];
        w[4] = Float.POSITIVE_INFINITY;
        assertMessage(() -> Linear.of("value", w, null, 2, 3), "value.weight must be finite, got Infinity at index 4");
        Linear square = Linear.of("q", new float[4], null, 2, 2);
        Linear wide = Linear.of("k", new float[6], null, 2, 3);
        assertMessage(() -> new AttentionWeights(square, wide, square, square),
                "key.weight must be (dmodel, dmodel) = (2, 2) with dmodel from query.weight, got (2, 3)");
    }

    @Test
    void headsSplitAndMergeLikeATransposedView() {
        // x (B=2, N=3, h=2 * dh=2): element (b, n, hh, c) holds b*1000 + n*100 + hh*10 + c.
        float[] a = new float[2 * 3 * 4];
        for (int b = 0; b < 2; b++) {
            for (int n = 0; n < 3; n++) {
                for (int hh = 0; hh < 2; hh++) {
                    for (int c = 0; c < 2; c++) {
                        a[((b * 3 + n) * 2 + hh) * 2 + c] = b * 1000 + n * 100 + hh * 10 + c;
                    }
                }
            }
        }
        float[] split = HeadLayout.split(a, 2, 3, 2, 2);
        // Row b*h + hh, token n, column c.
        assertEquals(1000 + 200 + 10 + 1, split[(((1 * 2 + 1) * 3) + 2) * 2 + 1]);
        assertArrayEquals(a, HeadLayout.merge(split, 2, 3, 2, 2));
        boolean[] mask = {true, false, false, true};
        assertArrayEquals(new boolean[] {true, false, true, false, true, false, false, true, false, true, false, true},
                HeadLayout.repeatPerHead(mask, 2, 3, 2));
    }

    private static MultiHeadAttention layer(AttentionWeights w, int heads) {
        return new MultiHeadAttention(w, heads, gemm);
    }

    private static AttentionConfig dense() {
        return AttentionConfig.builder().mode(Mode.DENSE).build();
    }

    private static void assertClose(float[] got, double[] ref, boolean[] rowsCounted, int width, double tolerance) {
        int bad = firstMismatch(got, ref, rowsCounted, width, tolerance);
        assertTrue(bad < 0, () -> "first mismatch at index " + bad + " (row " + bad / width + ", column "
                + bad % width + "): got " + got[bad] + ", reference " + ref[bad] + "; max relative error "
                + maxRelativeError(got, ref, rowsCounted, width) + " > " + tolerance);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "want '" + expected + "' in: " + e.getMessage());
    }
}
