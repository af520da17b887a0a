package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smyrf4j.cpu.CpuEnginePropertiesTest.assertClose;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.Projections;
import org.smyrf4j.SmyrfTrace;

/**
 * SPEC.md's Extensions (global keys, union softmax) and the local window in the CPU engine:
 * against a float64 reference that reads the engine's own orders, and against the properties
 * SPEC.md promises (one cluster equals dense, union of identical rounds equals one round).
 */
class ExtensionsTest {

    /** Float32 softmax over at most a few hundred keys, combined over a few rounds, vs float64. */
    private static final float REFERENCE_TOLERANCE = 2e-5f;
    /** One cluster (+ global keys) vs dense: the same keys in another order (as in CpuEnginePropertiesTest). */
    private static final float ONE_CLUSTER_TOLERANCE = 1e-5f;
    /** H identical rounds with -log H on every logit vs one round: a few ulp of the rounding of log H. */
    private static final float IDENTICAL_ROUNDS_TOLERANCE = 1e-5f;
    private static final float HULL_SLACK = 1e-5f;

    private static final int TRIES = 30;

    private static CpuEngine engine;

    @BeforeContainer
    static void open() {
        engine = new CpuEngine();
    }

    @AfterContainer
    static void close() {
        engine.close();
    }

    @Property(tries = TRIES, seed = "21")
    void matchesFloat64Reference(@ForAll @IntRange(min = 1, max = 5) int clusters,
            @ForAll @IntRange(min = 1, max = 40) int cq, @ForAll @IntRange(min = 0, max = 1000) int shorten,
            @ForAll @IntRange(min = 1, max = 24) int d, @ForAll @IntRange(min = 1, max = 4) int hashes,
            @ForAll boolean global, @ForAll boolean union, @ForAll boolean masked,
            @ForAll @IntRange(min = 0, max = 3) int window, @ForAll long seed) {
        int n = Math.max(2, clusters * cq - shorten % cq);
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(2, n, n, d, 7), masked ? 0.3 : 0);
        AttentionConfig.Builder b = AttentionConfig.builder().mode(Mode.SMYRF).hashes(hashes).clusterSize(cq)
                .seed(seed).unionRounds(union).localWindow(window);
        if (global) {
            b.globalKeys(0, -1);
        }
        AttentionConfig config = b.build();
        SmyrfTrace trace = engine.trace(config, in);
        double[] expected = reference(config, in, trace);
        float[] actual = engine.attend(config, in);
        BitExact.assertSame(trace.output(), actual, "attend vs trace");
        assertRoundsCombineToOutput(trace, hashes + (window > 0 ? 1 : 0), 7);
        assertMatchesReference(expected, actual, config);
    }

    @Property(tries = TRIES, seed = "22")
    void oneClusterWithExtensionsEqualsDense(@ForAll @IntRange(min = 1, max = 2) int batch,
            @ForAll @IntRange(min = 2, max = 150) int n, @ForAll @IntRange(min = 1, max = 30) int d,
            @ForAll @IntRange(min = 1, max = 5) int hashes, @ForAll boolean union, @ForAll boolean masked,
            @ForAll @IntRange(min = 0, max = 4) int window, @ForAll long seed) {
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(batch, n, n, d, 9), masked ? 0.4 : 0);
        // A window adds keys the cluster already has: only the union softmax counts them once.
        AttentionConfig config = AttentionConfig.builder().mode(Mode.SMYRF).hashes(hashes).clusterSize(n)
                .seed(seed).globalKeys(0, -1, 1).unionRounds(union).localWindow(union ? window : 0).build();
        float[] dense = engine.attend(config.toBuilder().mode(Mode.DENSE).build(), in);
        assertClose(dense, engine.attend(config, in), ONE_CLUSTER_TOLERANCE, "one cluster + global keys vs dense");
    }

    @Property(tries = TRIES, seed = "23")
    void unionOfIdenticalRoundsEqualsOneRound(@ForAll @IntRange(min = 1, max = 5) int clusters,
            @ForAll @IntRange(min = 1, max = 40) int cq, @ForAll @IntRange(min = 1, max = 24) int d,
            @ForAll @IntRange(min = 2, max = 5) int hashes, @ForAll boolean global, @ForAll long seed) {
        int n = clusters * cq;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(2, n, n, d, 6), 0);
        float[] column = Projections.draw(seed, d + 2, 1);
        float[] repeated = new float[(d + 2) * hashes];
        for (int row = 0; row < d + 2; row++) {
            Arrays.fill(repeated, row * hashes, (row + 1) * hashes, column[row]);
        }
        int[] globals = global ? new int[] {0, -1} : new int[0];
        AttentionConfig one = AttentionConfig.builder().mode(Mode.SMYRF).clusterSize(cq).projections(column, 1)
                .globalKeys(globals).build();
        AttentionConfig union = one.toBuilder().projections(repeated, hashes).unionRounds(true).build();
        assertClose(engine.attend(one, in), engine.attend(union, in), IDENTICAL_ROUNDS_TOLERANCE,
                hashes + " identical rounds, union vs one round");
    }

    @Property(tries = TRIES, seed = "24")
    void rowsStayConvexCombinations(@ForAll @IntRange(min = 1, max = 5) int clusters,
            @ForAll @IntRange(min = 1, max = 40) int cq, @ForAll @IntRange(min = 1, max = 20) int d,
            @ForAll @IntRange(min = 1, max = 4) int hashes, @ForAll long seed) {
        int n = clusters * cq;
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(1, n, n, d, 4), 0.2);
        AttentionConfig config = AttentionConfig.builder().hashes(hashes).clusterSize(cq).seed(seed)
                .globalKeys(0, -1).unionRounds(true).build();
        float[] out = engine.attend(config, in);
        for (int c = 0; c < 4; c++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                lo = Math.min(lo, in.v()[j * 4 + c]);
                hi = Math.max(hi, in.v()[j * 4 + c]);
            }
            for (int i = 0; i < n; i++) {
                float o = out[i * 4 + c];
                assertTrue(o >= lo - HULL_SLACK && o <= hi + HULL_SLACK,
                        "out[" + i + ", " + c + "] = " + o + " outside [" + lo + ", " + hi + "]");
            }
        }
    }

    @Property(tries = 10, seed = "25")
    void globalKeysSortLastWithMaskedKeys(@ForAll @IntRange(min = 4, max = 60) int n, @ForAll long seed) {
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(1, n, n, 8, 3), 0);
        AttentionConfig config = AttentionConfig.builder().hashes(2).clusterSize(2).seed(seed).globalKeys(0, -1)
                .build();
        SmyrfTrace trace = engine.trace(config, in);
        int padded = trace.plan().paddedKeyLen();
        for (int r = 0; r < 2; r++) {
            int[] order = Arrays.copyOfRange(trace.keyOrder(), r * padded, r * padded + n);
            assertEquals(0, order[n - 2], "round " + r + ": key 0 second to last");
            assertEquals(n - 1, order[n - 1], "round " + r + ": key N-1 last");
        }
    }

    @Property(tries = 10, seed = "26")
    void negativePositionsCountFromTheLastValidKey(@ForAll @IntRange(min = 4, max = 40) int n, @ForAll long seed) {
        // Row 0 has its last 2 keys masked: -1 is key n-3 there, key n-1 in row 1.
        AttentionInputs plain = RandomInputs.of(seed, new AttentionShape(2, n, n, 5, 3), 0);
        boolean[] valid = new boolean[2 * n];
        Arrays.fill(valid, true);
        valid[n - 1] = false;
        valid[n - 2] = false;
        AttentionInputs in = AttentionInputs.of(plain.shape(), plain.q(), plain.k(), plain.v(), valid);
        GlobalKeys keys = GlobalKeys.resolve(new int[] {-1, 0, -1}, in);
        assertEquals(List2.of(0, n - 3), List2.of(keys.ofRow(0)));
        assertEquals(List2.of(0, n - 1), List2.of(keys.ofRow(1)));
    }

    @Property(tries = 1)
    void positionsOutsideTheRowAreRejected() {
        AttentionInputs in = RandomInputs.of(3, new AttentionShape(1, 8, 8, 4, 2), 0);
        AttentionConfig config = AttentionConfig.builder().clusterSize(4).globalKeys(8).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.attend(config, in));
        assertTrue(e.getMessage().contains("globalKeys position 8"), e.getMessage());
        AttentionConfig back = AttentionConfig.builder().clusterSize(4).globalKeys(-9).build();
        assertThrows(IllegalArgumentException.class, () -> engine.attend(back, in));
    }

    /** A window wider than a key tile of the block kernel (256 keys): spans of several tiles. */
    @Property(tries = 4, seed = "27")
    void wideWindowMatchesFloat64Reference(@ForAll boolean union, @ForAll boolean global, @ForAll long seed) {
        AttentionInputs in = RandomInputs.of(seed, new AttentionShape(1, 700, 700, 8, 5), 0.3);
        AttentionConfig.Builder b = AttentionConfig.builder().hashes(2).clusterSize(50).seed(seed)
                .unionRounds(union).localWindow(150);
        if (global) {
            b.globalKeys(0, -1);
        }
        AttentionConfig config = b.build();
        double[] expected = reference(config, in, engine.trace(config, in));
        float[] actual = engine.attend(config, in);
        assertMatchesReference(expected, actual, config);
    }

    @Property(tries = 1)
    void localWindowNeedsSelfAttention() {
        AttentionInputs in = RandomInputs.of(3, new AttentionShape(1, 8, 16, 4, 2), 0);
        AttentionConfig config = AttentionConfig.builder().queryClusterSize(4).localWindow(2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.attend(config, in));
        assertTrue(e.getMessage().contains("localWindow 2 needs self-attention"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AttentionConfig.builder().localWindow(-1).build());
    }

    private static void assertMatchesReference(double[] expected, float[] actual, AttentionConfig config) {
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= REFERENCE_TOLERANCE)) {
                throw new AssertionError("first difference at " + i + ": reference " + expected[i] + ", engine "
                        + actual[i] + " (" + config + ")");
            }
        }
    }

    /**
     * The trace holds every round, the window round last, and SPEC step 7 over them gives the
     * output (float64 here, so within the float32 rounding of the engine's online combine).
     */
    private static void assertRoundsCombineToOutput(SmyrfTrace trace, int rounds, int dv) {
        int rows = trace.output().length / dv;
        assertEquals(rounds * rows, trace.roundLse().length, "roundLse length");
        assertEquals(rounds * rows * dv, trace.roundOutputs().length, "roundOutputs length");
        for (int row = 0; row < rows; row++) {
            double top = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < rounds; r++) {
                top = Math.max(top, trace.roundLse()[r * rows + row]);
            }
            for (int c = 0; c < dv; c++) {
                double mass = 0;
                double sum = 0;
                for (int r = 0; r < rounds && top != Double.NEGATIVE_INFINITY; r++) {
                    double w = Math.exp(trace.roundLse()[r * rows + row] - top);
                    mass += w;
                    sum += w * trace.roundOutputs()[(r * rows + row) * dv + c];
                }
                double expected = mass > 0 ? sum / mass : 0;
                float got = trace.output()[row * dv + c];
                if (!(Math.abs(expected - got) <= REFERENCE_TOLERANCE)) {
                    throw new AssertionError("row " + row + ", column " + c + ": rounds combine to " + expected
                            + ", output " + got);
                }
            }
        }
    }

    /** Tiny list helper so failures print the indices. */
    private static final class List2 {
        static java.util.List<Integer> of(int... xs) {
            return Arrays.stream(xs).boxed().toList();
        }
    }

    /**
     * SPEC steps 5-7 with the Extensions in float64, on the engine's orders (their exactness is
     * tested elsewhere): clusters from the orders, global keys added to every cluster, the local
     * window as one more key set (valid, non-global keys within w of the query), -log n_ij.
     */
    private static double[] reference(AttentionConfig config, AttentionInputs in, SmyrfTrace trace) {
        AttentionShape shape = in.shape();
        int batch = shape.batch();
        int nq = shape.queryLen();
        int nk = shape.keyLen();
        int d = shape.dim();
        int dv = shape.valueDim();
        int hashes = config.hashes();
        ClusterPlan plan = trace.plan();
        double scale = config.scale(d);
        double[] out = new double[batch * nq * dv];
        for (int b = 0; b < batch; b++) {
            boolean[] global = new boolean[nk];
            int last = -1;
            for (int j = 0; j < nk; j++) {
                if (in.isKeyValid(b, j)) {
                    last = j;
                }
            }
            if (last >= 0) {
                for (int p : config.globalKeys()) {
                    int j = p >= 0 ? p : last + 1 + p;
                    global[j] = in.isKeyValid(b, j);
                }
            }
            int[][] qc = new int[hashes][nq];
            int[][] kc = new int[hashes][nk];
            for (int r = 0; r < hashes; r++) {
                int seg = r * batch + b;
                for (int p = 0; p < plan.paddedQueryLen(); p++) {
                    int i = trace.queryOrder()[seg * plan.paddedQueryLen() + p];
                    if (i < nq) {
                        qc[r][i] = p / plan.queryClusterSize();
                    }
                }
                for (int p = 0; p < plan.paddedKeyLen(); p++) {
                    int j = trace.keyOrder()[seg * plan.paddedKeyLen() + p];
                    if (j < nk) {
                        kc[r][j] = p / plan.keyClusterSize();
                    }
                }
            }
            for (int i = 0; i < nq; i++) {
                // The union over rounds, each key once: the weights of step 7 reduce to this
                // when logits carry -log n_ij; without union, each round's softmax is mixed.
                double[] acc = new double[dv];
                double total = 0;
                int window = config.localWindow();
                int keySets = hashes + (window > 0 ? 1 : 0);
                for (int r = 0; r < keySets; r++) {
                    for (int j = 0; j < nk; j++) {
                        boolean inWindow = !global[j] && window > 0 && Math.abs(i - j) <= window;
                        boolean inSet = r < hashes ? global[j] || qc[r][i] == kc[r][j] : inWindow;
                        if (!in.isKeyValid(b, j) || !inSet) {
                            continue;
                        }
                        int shared = inWindow ? 1 : 0;
                        for (int h = 0; h < hashes; h++) {
                            shared += global[j] || qc[h][i] == kc[h][j] ? 1 : 0;
                        }
                        double logit = scale * dot(in.q(), (b * nq + i) * d, in.k(), (b * nk + j) * d, d);
                        double w = Math.exp(logit) / (config.unionRounds() ? shared : 1);
                        total += w;
                        for (int c = 0; c < dv; c++) {
                            acc[c] += w * in.v()[(b * nk + j) * dv + c];
                        }
                    }
                }
                for (int c = 0; c < dv; c++) {
                    out[(b * nq + i) * dv + c] = total > 0 ? acc[c] / total : 0;
                }
            }
        }
        return out;
    }

    private static double dot(float[] x, int xo, float[] y, int yo, int d) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            s += (double) x[xo + c] * y[yo + c];
        }
        return s;
    }
}
