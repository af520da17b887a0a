package org.smyrf4j.cuda;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.Mode;
import org.smyrf4j.bert.BertModel;
import org.smyrf4j.bert.BertWeights;
import org.smyrf4j.bert.TinyBert;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.weights.TfCheckpoint;
import org.smyrf4j.weights.TinyCheckpointWriter;

/**
 * A BERT-shaped encoder with random weights, run with the same attention on the CUDA engine
 * (its attention layers handed to the device by {@link org.smyrf4j.layer.MultiHeadAttention})
 * and on the CPU engine, and the final hidden states (B, N, hidden) compared over the real
 * tokens (padding rows mean nothing). Embeddings, LayerNorms and the feed-forward run on the
 * host's {@link CpuGemm} in both runs, so every difference comes from the attention layers.
 *
 * <p>Modes: dense in every layer; then, for SMYRF (2 rounds, the sizes' clusters) plain, with
 * [CLS] and [SEP] as global keys (positions 0, -1), with global keys and union softmax, and with
 * those and a local window of an eighth of a cluster (at least 1): the SMYRF mode in layer 0
 * only (dense after), and in every layer. Every mode must keep the mean
 * cosine at {@link #MEAN_COSINE_BOUND} and a floor of rows within {@link #TOLERANCE}:
 * <ul>
 *   <li>dense: every row, whatever the GEMM;</li>
 *   <li>with the kernel pack's GEMM the projections are the CPU's bits, so layer 0's hashes
 *       and clusters are the CPU's: SMYRF in layer 0 then dense, every row too. In later
 *       layers the inputs differ by float32 rounding, and a token whose hash ties with its
 *       neighbour's at a cluster boundary may change cluster: SMYRF in every layer keeps all
 *       but {@link #FLIPS_ALLOWED} flips' reach of rows;</li>
 *   <li>with cuBLAS the projections differ by rounding from layer 0 on, so a flip may come in
 *       layer 0 and reach a whole sequence through the later layers: all but
 *       {@link #FLIPS_ALLOWED} sequences' rows.</li>
 * </ul>
 * The bounds must also tell SMYRF from dense: on the CPU, SMYRF against dense must fail one of
 * them, else the check fails as too weak for its sizes.
 */
final class BertParity implements AutoCloseable {

    /**
     * Element error relative to |y| + rms(y) (LayerNorm-ed outputs, elements of order 1): the
     * layer's bar (CudaLayerTest). Float32 attention in another summation order moves the
     * hidden states by about 1e-6 (the stand-in driver at the GPU test's sizes: 2.1e-6 relative
     * after 2 layers; the CPU with each attention output perturbed by 1e-6 relative: 3e-6
     * absolute), and LayerNorm does not amplify it.
     */
    static final double TOLERANCE = 1e-4;
    /**
     * Mean over real tokens of cos(hidden_cuda, hidden_cpu). Random BERT weights give hidden
     * states with a large shared part (LayerNorm's beta), and the cosine is quadratic in a small
     * difference, so it stays close to 1 even between SMYRF and dense (0.9957 to 0.9970 on the
     * GPU test's sizes, printed per run): 0.999 lies a quarter of the way from 1 to there, room
     * for a few flipped clusters, whose rows move by at most about as much as SMYRF vs dense.
     * The row floor, not this bound, is what tells SMYRF from dense at small sizes.
     */
    static final double MEAN_COSINE_BOUND = 0.999;
    /**
     * Cluster flips tolerated per run. A flip needs two hashes within about 1e-6 relative at one
     * of the cluster boundaries; the CPU with each attention output perturbed by 1e-6 or 1e-5
     * relative (10 seeds each, the 3 SMYRF modes, the GPU test's sizes) had none: max |diff|
     * 1.4e-5 against the unperturbed run.
     */
    static final int FLIPS_ALLOWED = 2;
    /**
     * Scale of the random query and key kernels (logits x 25). Plain random weights give
     * near-uniform attention, where SMYRF and dense agree to a mean cosine of 0.9999 and a
     * comparison could not tell them apart; trained BERT's heads are far more peaked.
     */
    static final float ATTENTION_SHARPNESS = 5f;

    static final int PAD = 0;
    static final int CLS = 2;
    static final int SEP = 3;
    /** Ids below this are special tokens; words are drawn from [FIRST_WORD, vocab). */
    static final int FIRST_WORD = 5;
    private static final long WEIGHT_SEED = 7;
    private static final long TOKEN_SEED = 11;

    /**
     * The encoder's and the batch's sizes.
     *
     * @param validLengths real tokens per sequence, [CLS] and [SEP] included; the batch is
     *                     padded to {@code tokens}
     * @param clusterSize  SMYRF's query and key cluster size
     */
    record Sizes(int hidden, int heads, int layers, int tokens, int[] validLengths, int clusterSize, int vocab) {
        int batch() { return validLengths.length; }

        int intermediate() { return 4 * hidden; }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "hidden %d, %d heads, %d layers, %d x %d tokens (real %s), clusters of %d",
                    hidden, heads, layers, batch(), tokens, Arrays.toString(validLengths), clusterSize);
        }
    }

    /**
     * One mode on both engines.
     *
     * @param rowsWithin real rows whose every element is within {@link #TOLERANCE}
     * @param maxError   largest element error relative to |y| + rms(y)
     * @param firstBad   the first element outside the tolerance with both values, or ""
     */
    record Comparison(String mode, int rows, int rowsWithin, double maxError, double maxAbsDiff, double meanCosine,
            double minCosine, String firstBad) {
        String describe() {
            return String.format(Locale.ROOT, "%-54s rows within %.0e: %d/%d, max rel error %.2e, max |diff| %.2e,"
                    + " mean cosine %.7f (min %.7f)", mode, TOLERANCE, rowsWithin, rows, maxError, maxAbsDiff,
                    meanCosine, minCosine);
        }
    }

    private final Sizes sizes;
    private final CpuGemm gemm;
    private final CpuEngine cpu;
    private final BertModel model;
    private final int[] ids;
    private final int[] types;
    private final boolean[] valid;

    private BertParity(Sizes sizes, BertWeights weights, int threads) {
        this.sizes = sizes;
        this.gemm = threads > 0 ? new CpuGemm(threads) : new CpuGemm();
        this.cpu = threads > 0 ? new CpuEngine(threads) : new CpuEngine();
        this.model = new BertModel(weights, sizes.heads(), gemm);
        int n = sizes.tokens();
        this.ids = new int[sizes.batch() * n];
        this.types = new int[ids.length];
        this.valid = new boolean[ids.length];
        SplittableRandom random = new SplittableRandom(TOKEN_SEED);
        for (int b = 0; b < sizes.batch(); b++) {
            int len = sizes.validLengths()[b];
            for (int i = 0; i < len; i++) {
                int row = b * n + i;
                ids[row] = i == 0 ? CLS : i == len - 1 ? SEP : FIRST_WORD + random.nextInt(sizes.vocab() - FIRST_WORD);
                types[row] = i < len / 2 ? 0 : 1; // a sentence pair: both token-type embeddings in use
                valid[row] = true;
            }
            for (int i = len; i < n; i++) {
                ids[b * n + i] = PAD;
            }
        }
    }

    /**
     * Random weights for {@code sizes} (TinyBert, query and key kernels sharpened), written as a
     * TensorFlow checkpoint under {@code dir} and loaded the way a real model is.
     *
     * @param threads CPU threads for the host side, or 0 for all cores
     */
    static BertParity open(Path dir, Sizes sizes, int threads) throws IOException {
        Map<String, FloatTensor> tensors = TinyBert.tensors(WEIGHT_SEED, sizes.hidden(), sizes.intermediate(),
                sizes.vocab(), sizes.tokens(), sizes.layers());
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            if (e.getKey().endsWith("attention/self/query/kernel") || e.getKey().endsWith("attention/self/key/kernel")) {
                float[] w = e.getValue().data();
                for (int i = 0; i < w.length; i++) {
                    w[i] *= ATTENTION_SHARPNESS;
                }
            }
        }
        Path prefix = dir.resolve("variables");
        TinyCheckpointWriter.write(prefix, tensors, 16);
        return new BertParity(sizes, BertWeights.load(TfCheckpoint.open(prefix)), threads);
    }

    /** The SMYRF modes compared: 2 rounds, the sizes' clusters. */
    private Map<String, AttentionConfig> smyrfModes() {
        AttentionConfig plain = AttentionConfig.builder().hashes(2).clusterSize(sizes.clusterSize()).seed(3).build();
        Map<String, AttentionConfig> modes = new LinkedHashMap<>();
        modes.put("smyrf", plain);
        modes.put("smyrf global [0, -1]", plain.toBuilder().globalKeys(0, -1).build());
        modes.put("smyrf global [0, -1] union", plain.toBuilder().globalKeys(0, -1).unionRounds(true).build());
        int window = Math.max(1, sizes.clusterSize() / 8);
        modes.put("smyrf global [0, -1] union window " + window,
                plain.toBuilder().globalKeys(0, -1).unionRounds(true).localWindow(window).build());
        return modes;
    }

    /** Which runs a check makes. */
    enum Runs {
        /** Every SMYRF mode in layer 0 only and in every layer. */
        ALL,
        /**
         * Every SMYRF mode in layer 0 only, the last (global keys, union and window) in every
         * layer too: for the stand-in driver, where each SMYRF layer costs about a second of
         * emulated sorting.
         */
        LIGHT
    }

    /**
     * Dense and the SMYRF modes on {@code cuda} and on the CPU engine, each line printed to
     * {@code out}; throws AssertionError naming the mode and the first mismatching element where
     * a bound fails.
     */
    void check(String label, FixedGemmBackend cuda, Runs runs, PrintStream out) {
        boolean sameProjections = cuda.gemmChoice().path() == GemmChoice.Path.KERNELS;
        out.printf(Locale.ROOT, "%s: %s on %s; gemm %s (attention layers; the feed-forward on %s)%n", label, sizes,
                cuda.description(), model.attentionGemm(cuda), gemm.description());
        AttentionConfig dense = AttentionConfig.builder().mode(Mode.DENSE).build();
        float[] cpuDense = encode(cpu, l -> dense);
        Comparison d = compare("dense", cpuDense, encode(cuda, l -> dense));
        report(out, label, d, d.rows());
        requireBounds(label, d, d.rows());
        Map<String, AttentionConfig> modes = smyrfModes();
        int m = 0;
        for (Map.Entry<String, AttentionConfig> e : modes.entrySet()) {
            AttentionConfig smyrf = e.getValue();
            boolean last = ++m == modes.size();
            // With the CPU's projections layer 0 cannot flip a cluster; with cuBLAS's it can.
            run(label, e.getKey() + " in layer 0", l -> l == 0 ? smyrf : dense, sameProjections ? 0 : flipReach(0),
                    cuda, cpuDense, out);
            if (runs == Runs.ALL || last) {
                run(label, e.getKey() + " in every layer", l -> smyrf, flipReach(sameProjections ? 1 : 0), cuda,
                        cpuDense, out);
            }
        }
    }

    /**
     * One SMYRF run on both engines, held to the mean cosine and to all real rows but
     * {@link #FLIPS_ALLOWED} times {@code flipReach} within {@link #TOLERANCE}; the CPU's run
     * against the CPU's dense must fail those bounds, so that they can tell the two apart.
     */
    private void run(String label, String mode, IntFunction<AttentionConfig> configFor, int flipReach,
            FixedGemmBackend cuda, float[] cpuDense, PrintStream out) {
        float[] cpuHidden = encode(cpu, configFor);
        Comparison c = compare(mode, cpuHidden, encode(cuda, configFor));
        int floor = c.rows() - FLIPS_ALLOWED * flipReach;
        report(out, label, c, floor);
        Comparison againstDense = compare(mode + " (cpu) vs dense (cpu)", cpuDense, cpuHidden);
        out.printf(Locale.ROOT, "%s:   against dense on the cpu: mean cosine %.7f, rows within %d%n", label,
                againstDense.meanCosine(), againstDense.rowsWithin());
        require(againstDense.meanCosine() < MEAN_COSINE_BOUND || againstDense.rowsWithin() < floor, label + ": "
                + againstDense.describe() + ": it meets the bounds, which cannot tell SMYRF from dense here");
        requireBounds(label, c, floor);
    }

    /**
     * Real rows that one cluster flip in SMYRF layer {@code layer} or later can move: in the last
     * layer, a key that changes cluster changes the keys of two query clusters (2 Cq rows); in an
     * earlier layer those rows' hidden states are keys of the next layer, so the whole sequence.
     */
    private int flipReach(int layer) {
        if (layer >= sizes.layers()) {
            return 0;
        }
        int longest = Arrays.stream(sizes.validLengths()).max().orElse(0);
        return layer == sizes.layers() - 1 ? Math.min(2 * sizes.clusterSize(), longest) : longest;
    }

    private float[] encode(AttentionBackend backend, IntFunction<AttentionConfig> configFor) {
        float[] hidden = model.encode(ids, types, valid, sizes.batch(), sizes.tokens(), backend, configFor);
        GpuTestSupport.assertNoNaN(backend.description(), hidden);
        return hidden;
    }

    /** The CUDA run against the CPU run over the real tokens' rows. */
    private Comparison compare(String mode, float[] cpuHidden, float[] cudaHidden) {
        int h = sizes.hidden();
        double squares = 0;
        int rows = 0;
        for (int r = 0; r < valid.length; r++) {
            if (valid[r]) {
                rows++;
                for (int c = 0; c < h; c++) {
                    squares += (double) cpuHidden[r * h + c] * cpuHidden[r * h + c];
                }
            }
        }
        double rms = Math.sqrt(squares / ((double) rows * h));
        int within = 0;
        double maxError = 0;
        double maxDiff = 0;
        double cosines = 0;
        double minCosine = 1;
        String firstBad = "";
        for (int r = 0; r < valid.length; r++) {
            if (!valid[r]) {
                continue;
            }
            double rowError = 0;
            double dot = 0;
            double xx = 0;
            double yy = 0;
            for (int c = 0; c < h; c++) {
                int i = r * h + c;
                double x = cpuHidden[i];
                double y = cudaHidden[i];
                double diff = Math.abs(x - y);
                double error = diff / (Math.abs(x) + rms);
                if (!(error <= TOLERANCE) && firstBad.isEmpty()) {
                    firstBad = "index " + i + " (sequence " + r / sizes.tokens() + ", token " + r % sizes.tokens()
                            + ", column " + c + "): cpu " + x + ", cuda " + y;
                }
                rowError = Math.max(rowError, error);
                maxDiff = Math.max(maxDiff, diff);
                dot += x * y;
                xx += x * x;
                yy += y * y;
            }
            if (rowError <= TOLERANCE) {
                within++;
            }
            maxError = Math.max(maxError, rowError);
            double cosine = dot / Math.sqrt(xx * yy);
            cosines += cosine;
            minCosine = Math.min(minCosine, cosine);
        }
        return new Comparison(mode, rows, within, maxError, maxDiff, cosines / rows, minCosine, firstBad);
    }

    private static void report(PrintStream out, String label, Comparison c, int floor) {
        out.printf(Locale.ROOT, "%s: %s; bounds: rows >= %d, mean cosine >= %s%n", label, c.describe(), floor,
                MEAN_COSINE_BOUND);
    }

    private static void requireBounds(String label, Comparison c, int floor) {
        require(c.rowsWithin() >= floor, label + ": " + c.mode() + ": " + c.rowsWithin() + " of " + c.rows()
                + " rows within " + TOLERANCE + ", want at least " + floor + "; first mismatch at " + c.firstBad()
                + "; max relative error " + c.maxError());
        require(c.meanCosine() >= MEAN_COSINE_BOUND, label + ": " + c.mode() + ": mean cosine " + c.meanCosine()
                + " < " + MEAN_COSINE_BOUND + "; first mismatch at " + c.firstBad());
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    @Override
    public void close() {
        model.close();
        cpu.close();
        gemm.close();
    }
}
