package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smyrf4j.cuda.GpuTestSupport.GOLDEN_ROW_FRACTION;
import static org.smyrf4j.cuda.GpuTestSupport.OUTPUT_TOLERANCE;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.cuda.GpuTestSupport.MaskKind;
import org.smyrf4j.cuda.GpuTestSupport.RowStats;

/**
 * The CUDA engine against the golden cases and against the CPU engine, stage by stage: hashes,
 * orders, per-round outputs and log-sum-exps, outputs. The engine runs in checked mode: every
 * kernel output is poisoned with NaN before its launch, so anything left unwritten fails here.
 */
@Tag("gpu")
class CudaParityTest {

    /**
     * Fresh random shapes per run of the suite; the seed is printed so a failure can be replayed.
     * {@code -Dsmyrf4j.test.randomCases=N} runs the first N only and {@code -Dsmyrf4j.test.largeCases=false}
     * leaves out the large ones: for slow stand-ins of a GPU (scripts/fake-gpu-check.sh).
     */
    private static final int RANDOM_CASES = Integer.getInteger("smyrf4j.test.randomCases", 210);
    private static final boolean LARGE_CASES =
            Boolean.parseBoolean(System.getProperty("smyrf4j.test.largeCases", "true"));
    private static final int DENSE_CASES = 40;
    /** Random shapes with SPEC Extensions; {@code -Dsmyrf4j.test.extensionCases=N} for slow stand-ins. */
    private static final int EXTENSION_CASES = Integer.getInteger("smyrf4j.test.extensionCases", 60);
    /** Random self-attention shapes with the local window; {@code -Dsmyrf4j.test.windowCases=N} (default: half the extension cases). */
    private static final int WINDOW_CASES = Integer.getInteger("smyrf4j.test.windowCases", EXTENSION_CASES / 2);
    /** Random shapes on the tensor-core kernel; {@code -Dsmyrf4j.test.tensorCoreCases=N} for slow stand-ins. */
    private static final int TENSOR_CORE_CASES = Integer.getInteger("smyrf4j.test.tensorCoreCases", 40);
    /** Head dims of the random cases: odd ones, powers of two, past one 32-column chunk. */
    private static final int[] DIMS = {1, 3, 8, 16, 31, 32, 59, 64, 100, 128};
    private static final int[] VALUE_DIMS = {1, 5, 16, 37, 64, 96, 130};
    /** The tensor-core cases add dims that are not multiples of its padding (8 for d, 16 for dv). */
    private static final int[] TENSOR_CORE_DIMS = {1, 3, 8, 20, 31, 37, 59, 64, 100, 128};
    private static final int[] TENSOR_CORE_VALUE_DIMS = {1, 5, 16, 20, 37, 64, 96, 130};
    private static final long SEED = Long.getLong("smyrf4j.test.seed", 20251127L);

    private static CudaEngine gpu;
    private static CpuEngine cpu;

    @BeforeAll
    static void open() {
        CudaProbe.Result probe = CudaProbe.probe();
        if (probe.usable()) {
            gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED);
            cpu = new CpuEngine();
            System.out.println("CudaParityTest on " + gpu.description() + ", seed " + SEED);
        } else {
            // Printed once per class so the build log, not only the reports, says why.
            System.out.println("CudaParityTest skipped: CUDA unusable here: " + probe.reason());
        }
    }

    /** Each test skips with the probe's reason where CUDA cannot run (visible per test in the reports). */
    @BeforeEach
    void requireGpu() {
        GpuTestSupport.requireUsableGpu();
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    static Stream<Path> goldenCases() {
        return GoldenCase.folders().stream();
    }

    @ParameterizedTest(name = "golden {0}")
    @MethodSource("goldenCases")
    void goldenCase(Path folder) {
        GoldenCase c = GoldenCase.load(folder);
        AttentionShape s = c.shape();
        int rows = s.batch() * s.queryLen();
        SmyrfTrace trace = gpu.trace(c.config(), c.inputs());
        RowStats vsReference = GpuTestSupport.compareRows(c.out(), trace.output(), rows, s.valueDim(),
                OUTPUT_TOLERANCE, c::rowCounts);
        assertTrue(vsReference.fraction() >= GOLDEN_ROW_FRACTION, c.name() + " vs out.npy: " + vsReference.describe());

        float[] dense = gpu.attend(c.config().toBuilder().mode(Mode.DENSE).build(), c.inputs());
        RowStats denseStats = GpuTestSupport.compareRows(c.dense(), dense, rows, s.valueDim(), OUTPUT_TOLERANCE,
                c::rowCounts);
        assertEquals(denseStats.counted(), denseStats.within(), c.name() + " dense vs dense.npy: " + denseStats.describe());

        SmyrfTrace reference = cpu.trace(c.config(), c.inputs());
        String cpuReport = compareTraces(c.name(), c.inputs(), reference, trace).text();
        System.out.printf(Locale.ROOT, "golden %-13s vs out.npy %s; vs dense.npy max %.2e; orders vs reference: %d"
                + " query, %d key positions differ; vs CPU: %s%n", c.name(), vsReference.describe(),
                denseStats.maxDiff(), differences(c.queryOrder(), trace.queryOrder(), s.queryLen(), trace.plan().paddedQueryLen()),
                differences(c.keyOrder(), trace.keyOrder(), s.keyLen(), trace.plan().paddedKeyLen()), cpuReport);
    }

    @Test
    void randomShapesMatchTheCpuStageByStage() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<RandomCase> cases = new ArrayList<>();
        for (int i = 0; i < RANDOM_CASES; i++) {
            cases.add(randomCase(random, i, DIMS, VALUE_DIMS));
        }
        if (LARGE_CASES) {
            cases.addAll(largeCases(random));
        }
        compareStageByStage(gpu, "random parity", SEED, cases);
    }

    /**
     * SPEC Extensions on random shapes (the generator of {@link #randomShapesMatchTheCpuStageByStage},
     * another seed): global keys alone, union softmax alone, both, in turn. Global key positions
     * mix 0, -1, a random key and repeats, so some land on masked keys or on each other.
     */
    @Test
    void randomShapesWithExtensionsMatchTheCpuStageByStage() {
        SplittableRandom random = new SplittableRandom(SEED + 3);
        List<RandomCase> cases = new ArrayList<>();
        for (int i = 0; i < EXTENSION_CASES; i++) {
            cases.add(withExtensions(randomCase(random, i, DIMS, VALUE_DIMS), random, i % 3));
        }
        if (LARGE_CASES) {
            cases.add(large16k(EXTENSION_CASES, "[0, -1] union", random,
                    AttentionConfig.builder().seed(2000).globalKeys(0, -1).unionRounds(true)));
        }
        compareStageByStage(gpu, "extension parity", SEED + 3, cases);
    }

    /**
     * Self-attention over 2 x 16384 tokens, d = dv = 64, 4 rounds of 128, padded rows, with what
     * {@code builder} adds (seed, extensions): issue 5's sizes in one case per test.
     */
    private static RandomCase large16k(int index, String what, SplittableRandom random,
            AttentionConfig.Builder builder) {
        AttentionShape shape = new AttentionShape(2, 16384, 16384, 64, 64);
        return new RandomCase(index, "large " + shape + " mask PREFIX " + what,
                builder.hashes(4).queryClusterSize(128).build(),
                GpuTestSupport.randomInputs(random, shape, MaskKind.PREFIX, false));
    }

    /**
     * The local window (docs/kernels.md "Local window") on random self-attention shapes: alone,
     * with global keys, with both extensions, in turn; windows of 1, a few, 40 (a block's span
     * over several key tiles) and up to the whole row.
     */
    @Test
    void randomShapesWithLocalWindowMatchTheCpuStageByStage() {
        SplittableRandom random = new SplittableRandom(SEED + 4);
        List<RandomCase> cases = new ArrayList<>();
        for (int i = 0; cases.size() < WINDOW_CASES; i++) {
            RandomCase c = randomCase(random, i, DIMS, VALUE_DIMS);
            AttentionShape shape = c.inputs.shape();
            if (shape.queryLen() != shape.keyLen()) {
                continue; // self-attention only
            }
            int kind = cases.size() % 3;
            RandomCase extended = kind == 0 ? c : withExtensions(c, random, kind == 1 ? 0 : 2);
            int window = pick(random, 1, 3, 40, 1 + random.nextInt(shape.queryLen()));
            cases.add(new RandomCase(c.index, extended.label + " window " + window,
                    extended.config.toBuilder().localWindow(window).build(), c.inputs));
        }
        if (LARGE_CASES) {
            cases.add(large16k(WINDOW_CASES, "[0, -1] union window 64", random,
                    AttentionConfig.builder().seed(2001).globalKeys(0, -1).unionRounds(true).localWindow(64)));
        }
        compareStageByStage(gpu, "window parity", SEED + 4, cases);
    }

    /**
     * The plain hash rounds on the tensor-core kernel ({@code smyrf_cluster_attention_tc}, an
     * engine opened with {@link TensorCores#ON}) on fresh random shapes: d and dv off its padding
     * (multiples of 8 and 16), masks, cross lengths, Cq off its 128-row passes and Ck off its
     * 32-key tiles. Orders must equal the CPU's as on CUDA cores; outputs within the same 1e-4.
     * Every case must actually get the tensor-core kernel (no silent fallback).
     */
    @Test
    void randomShapesOnTensorCoresMatchTheCpuStageByStage() {
        SplittableRandom random = new SplittableRandom(SEED + 5);
        List<RandomCase> cases = new ArrayList<>();
        // A fixed case first: d 37, dv 20, cross lengths with key holes, Cq 100 and Ck 57 (L = 3).
        AttentionShape fixed = new AttentionShape(2, 300, 170, 37, 20);
        cases.add(new RandomCase(0, "fixed " + fixed + " H=3 Cq=100 mask RANDOM",
                AttentionConfig.builder().hashes(3).queryClusterSize(100).seed(random.nextLong()).build(),
                GpuTestSupport.randomInputs(random, fixed, MaskKind.RANDOM, false)));
        for (int i = 1; i < TENSOR_CORE_CASES; i++) {
            cases.add(randomCase(random, i, TENSOR_CORE_DIMS, TENSOR_CORE_VALUE_DIMS));
        }
        if (LARGE_CASES) {
            cases.add(large16k(TENSOR_CORE_CASES, "plain", random, AttentionConfig.builder().seed(2002)));
        }
        try (CudaEngine tensorCores = CudaEngine.open(CudaProbe.probe(), CudaEngine.Options.CHECKED, TensorCores.ON)) {
            for (RandomCase c : cases) {
                AttentionShape shape = c.inputs.shape();
                AttentionKernelChoice choice = tensorCores.attentionKernel(shape.dim(), shape.valueDim());
                assertTrue(choice.tensorCores(), c.label + ": " + choice);
            }
            System.out.println("tensor-core parity on " + tensorCores.description());
            compareStageByStage(tensorCores, "tensor-core parity", SEED + 5, cases);
        }
    }

    /**
     * Every case's trace on both engines, stage by stage; every fourth case's untraced attend
     * against its trace. Prints the cases with order near-ties and the largest output difference
     * of the others, with the case that gave it.
     */
    private static void compareStageByStage(CudaEngine engine, String what, long seed, List<RandomCase> cases) {
        long start = System.nanoTime();
        int withTies = 0;
        double worst = 0;
        String worstCase = "none";
        for (RandomCase c : cases) {
            SmyrfTrace reference = cpu.trace(c.config, c.inputs);
            SmyrfTrace trace = engine.trace(c.config, c.inputs);
            TraceComparison report = compareTraces(c.label, c.inputs, reference, trace);
            if (report.orderTies()) {
                withTies++;
                System.out.println(c.label + ": " + report.text());
            } else if (report.outputMaxDiff() > worst) {
                worst = report.outputMaxDiff();
                worstCase = c.label;
            }
            if (c.index % 4 == 0) {
                // The untraced path (no hash buffers) gives the same output bit for bit.
                assertArrayEquals(trace.output(), engine.attend(c.config, c.inputs),
                        c.label + ": attend vs trace output");
            }
        }
        // The margin to OUTPUT_TOLERANCE over the cases without ties, so a run shows how close it came.
        System.out.printf(Locale.ROOT, "%s: %d cases (seed %d), %d with order near-ties, %.1f s;"
                + " largest output difference without ties %.2e (%s)%n", what, cases.size(), seed, withTies,
                (System.nanoTime() - start) / 1e9, worst, worstCase);
    }

    /** {@code c} with global keys ({@code kind} 0), union softmax (1) or both (2). */
    private static RandomCase withExtensions(RandomCase c, SplittableRandom random, int kind) {
        int nk = c.inputs.shape().keyLen();
        AttentionConfig.Builder builder = c.config.toBuilder().unionRounds(kind != 0);
        if (kind != 1) {
            // Positions that resolve in every row with a valid key: p >= 0 below Nk, and -1.
            int[] positions = new int[1 + random.nextInt(4)];
            for (int p = 0; p < positions.length; p++) {
                positions[p] = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> -1;
                    case 2 -> random.nextInt(nk);
                    default -> p > 0 ? positions[p - 1] : -1;
                };
            }
            builder.globalKeys(positions);
        }
        AttentionConfig config = builder.build();
        String label = c.label + (kind != 1 ? " globalKeys " + java.util.Arrays.toString(config.globalKeys()) : "")
                + (kind != 0 ? " union" : "");
        return new RandomCase(c.index, label, config, c.inputs);
    }

    @Test
    void denseModeMatchesTheCpu() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        double worst = 0;
        for (int i = 0; i < DENSE_CASES; i++) {
            int b = 1 + random.nextInt(3);
            int nq = 1 + random.nextInt(i % 8 == 0 ? 3000 : 400);
            int nk = random.nextBoolean() ? nq : 1 + random.nextInt(i % 8 == 1 ? 3000 : 400);
            int d = pick(random, 1, 7, 32, 59, 64, 128);
            int dv = pick(random, 1, 37, 64, 100);
            AttentionShape shape = new AttentionShape(b, nq, nk, d, dv);
            MaskKind mask = MaskKind.values()[random.nextInt(MaskKind.values().length)];
            AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, mask, i % 5 == 0);
            AttentionConfig.Builder builder = AttentionConfig.builder().mode(Mode.DENSE);
            if (random.nextBoolean()) {
                builder.scale(0.05f + random.nextFloat());
            }
            AttentionConfig config = builder.build();
            String label = "dense case " + i + " " + shape + " mask " + mask;
            float[] expected = cpu.attend(config, inputs);
            float[] actual = gpu.attend(config, inputs);
            GpuTestSupport.assertNoNaN(label, actual);
            RowStats stats = GpuTestSupport.compareRows(expected, actual, b * nq, dv, OUTPUT_TOLERANCE, null);
            assertEquals(stats.counted(), stats.within(), label + ": " + stats.describe());
            worst = Math.max(worst, stats.maxDiff());
        }
        System.out.printf(Locale.ROOT, "dense parity: %d cases, max diff %.2e%n", DENSE_CASES, worst);
    }

    @Test
    void autoModePicksLikeTheCpu() {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        // (Nk, H): with Cq = 64 over Nq = 300 (L = 5), H * Ck >= Nk picks dense for the first two.
        int[][] cases = {{64, 8}, {300, 8}, {64, 2}, {300, 2}, {2000, 2}};
        Set<Mode> resolved = EnumSet.noneOf(Mode.class);
        for (int[] c : cases) {
            int nk = c[0];
            AttentionShape shape = new AttentionShape(2, 300, nk, 32, 32);
            AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, MaskKind.NONE, false);
            AttentionConfig config = AttentionConfig.builder().mode(Mode.AUTO).hashes(c[1]).queryClusterSize(64).build();
            resolved.add(config.resolveMode(300, nk));
            RowStats stats = GpuTestSupport.compareRows(cpu.attend(config, inputs), gpu.attend(config, inputs),
                    2 * 300, 32, OUTPUT_TOLERANCE, null);
            assertEquals(stats.counted(), stats.within(), "auto, Nk=" + nk + " H=" + c[1] + " ("
                    + config.resolveMode(300, nk) + "): " + stats.describe());
        }
        assertEquals(EnumSet.of(Mode.SMYRF, Mode.DENSE), resolved, "the cases reach both of auto's choices");
    }

    // ---------------------------------------------------------------------------------------

    /**
     * What {@link #compareTraces} found.
     *
     * @param text          a one-line report
     * @param orderTies     whether some order positions differed (at near-ties)
     * @param outputMaxDiff the largest output difference over all rows
     */
    record TraceComparison(String text, boolean orderTies, double outputMaxDiff) {
    }

    /**
     * Compares every stage; fails on the first real difference. Orders may differ only at
     * ties; then only the rows those ties can reach may differ, else every row must agree.
     */
    static TraceComparison compareTraces(String label, AttentionInputs inputs, SmyrfTrace cpuTrace, SmyrfTrace gpuTrace) {
        AttentionShape s = inputs.shape();
        ClusterPlan plan = cpuTrace.plan();
        assertEquals(plan, gpuTrace.plan(), label + ": plan");
        int h = cpuTrace.queryOrder().length / (s.batch() * plan.paddedQueryLen());
        int segments = h * s.batch();
        // Poison checks: nothing left unwritten.
        GpuTestSupport.assertNoNaN(label + " queryHashes", gpuTrace.queryHashes());
        GpuTestSupport.assertNoNaN(label + " keyHashes", gpuTrace.keyHashes());
        GpuTestSupport.assertNoNaN(label + " roundOutputs", gpuTrace.roundOutputs());
        GpuTestSupport.assertNoNaN(label + " roundLse", gpuTrace.roundLse());
        GpuTestSupport.assertNoNaN(label + " output", gpuTrace.output());
        GpuTestSupport.assertPermutations(label + " queryOrder", gpuTrace.queryOrder(), segments, plan.paddedQueryLen());
        GpuTestSupport.assertPermutations(label + " keyOrder", gpuTrace.keyOrder(), segments, plan.paddedKeyLen());

        GpuTestSupport.HashStats qh = GpuTestSupport.compareHashes(label + " queryHashes", cpuTrace.queryHashes(),
                gpuTrace.queryHashes());
        GpuTestSupport.HashStats kh = GpuTestSupport.compareHashes(label + " keyHashes", cpuTrace.keyHashes(),
                gpuTrace.keyHashes());
        int b = s.batch();
        int qMismatch = GpuTestSupport.compareOrders(label + " queryOrder", cpuTrace.queryOrder(), gpuTrace.queryOrder(),
                cpuTrace.queryHashes(), segments, plan.paddedQueryLen(), s.queryLen(),
                (seg, i) -> inputs.isQueryValid(seg % b, i));
        int kMismatch = GpuTestSupport.compareOrders(label + " keyOrder", cpuTrace.keyOrder(), gpuTrace.keyOrder(),
                cpuTrace.keyHashes(), segments, plan.paddedKeyLen(), s.keyLen(), (seg, j) -> inputs.isKeyValid(seg % b, j));

        int rows = s.batch() * s.queryLen();
        RowStats out = GpuTestSupport.compareRows(cpuTrace.output(), gpuTrace.output(), rows, s.valueDim(),
                OUTPUT_TOLERANCE, null);
        String hashes = "hashes " + (qh.identical() + kh.identical()) + "/" + (qh.total() + kh.total()) + " bit-identical";
        if (qMismatch + kMismatch == 0) {
            // Every round, the local window's (after the hash rounds) included.
            assertEquals(cpuTrace.roundLse().length, gpuTrace.roundLse().length, label + ": traced rounds");
            RowStats rounds = GpuTestSupport.compareRows(cpuTrace.roundOutputs(), gpuTrace.roundOutputs(),
                    cpuTrace.roundLse().length, s.valueDim(), OUTPUT_TOLERANCE, null);
            assertEquals(rounds.counted(), rounds.within(), label + " roundOutputs: " + rounds.describe());
            GpuTestSupport.assertLseClose(label, cpuTrace.roundLse(), gpuTrace.roundLse());
            assertEquals(out.counted(), out.within(), label + " output: " + out.describe());
            return new TraceComparison(hashes + ", orders identical, output max diff "
                    + String.format(Locale.ROOT, "%.2e", out.maxDiff()), false, out.maxDiff());
        }
        // A swapped query changes its own row; a swapped key changes the rows of its two clusters.
        long allowedBad = Math.max((long) Math.floor((1 - GOLDEN_ROW_FRACTION) * out.counted()),
                qMismatch + (long) kMismatch * plan.queryClusterSize());
        assertTrue(out.counted() - out.within() <= allowedBad, label + " output with order ties (" + qMismatch
                + " query / " + kMismatch + " key positions): " + out.describe());
        return new TraceComparison(hashes + ", " + qMismatch + " query / " + kMismatch
                + " key order positions differ at near-ties, output " + out.describe(), true, out.maxDiff());
    }

    /** Positions where the reference's order (H, B, N) and ours (H, B, N') differ, over the first N of each. */
    private static int differences(int[] reference, int[] ours, int len, int paddedLen) {
        int segments = reference.length / len;
        int diff = 0;
        for (int seg = 0; seg < segments; seg++) {
            for (int p = 0; p < len; p++) {
                if (reference[seg * len + p] != ours[seg * paddedLen + p]) {
                    diff++;
                }
            }
        }
        return diff;
    }

    // ---------------------------------------------------------------------------------------
    // Random cases

    private record RandomCase(int index, String label, AttentionConfig config, AttentionInputs inputs) {
    }

    /**
     * A random SMYRF case: cross lengths, padding masks, lengths that are not multiples of the
     * cluster size, odd dims, exact duplicate and zero rows, and now and then segments longer
     * than SORT_LOCAL (the global sort path).
     */
    private static RandomCase randomCase(SplittableRandom random, int index, int[] dims, int[] valueDims) {
        while (true) {
            boolean longSegments = index % 10 == 9;
            int b = longSegments ? 1 : 1 + random.nextInt(3);
            int nq = longSegments ? 2049 + random.nextInt(7000) : 1 + random.nextInt(700);
            boolean cross = random.nextInt(3) == 0;
            int nk = cross ? (longSegments ? 2049 + random.nextInt(7000) : 1 + random.nextInt(700)) : nq;
            int d = pick(random, dims);
            int dv = pick(random, valueDims);
            int hashes = 1 + random.nextInt(4);
            int cq = Math.min(nq, pick(random, 1, 4, 16, 31, 32, 64, 100, 128, 256));
            AttentionConfig.Builder builder = AttentionConfig.builder().hashes(hashes).queryClusterSize(cq)
                    .seed(random.nextLong());
            if (!cross && random.nextBoolean()) {
                builder.keyClusterSize(cq);
            }
            if (random.nextInt(3) == 0) {
                builder.scale(0.05f + random.nextFloat());
            }
            AttentionConfig config = builder.build();
            try {
                config.plan(nq, nk);
            } catch (IllegalArgumentException e) {
                continue; // cluster counts cannot agree for these lengths: draw again
            }
            AttentionShape shape = new AttentionShape(b, nq, nk, d, dv);
            MaskKind mask = random.nextInt(2) == 0 ? MaskKind.NONE
                    : MaskKind.values()[1 + random.nextInt(MaskKind.values().length - 1)];
            boolean duplicates = random.nextInt(6) == 0;
            AttentionInputs inputs = GpuTestSupport.randomInputs(random, shape, mask, duplicates);
            String label = "case " + index + " " + shape + " H=" + hashes + " Cq=" + cq + " mask " + mask
                    + (duplicates ? " duplicates" : "");
            return new RandomCase(index, label, config, inputs);
        }
    }

    /** A few large cases: N=16384, long cross lengths, padding. */
    private static List<RandomCase> largeCases(SplittableRandom random) {
        List<RandomCase> cases = new ArrayList<>();
        Object[][] specs = {
            {new AttentionShape(1, 16384, 16384, 64, 64), 2, 128, MaskKind.NONE},
            {new AttentionShape(2, 16384, 4096, 32, 48), 1, 256, MaskKind.RANDOM},
            {new AttentionShape(1, 9000, 9000, 59, 37), 3, 100, MaskKind.PREFIX},
        };
        for (int i = 0; i < specs.length; i++) {
            AttentionShape shape = (AttentionShape) specs[i][0];
            AttentionConfig config = AttentionConfig.builder().hashes((Integer) specs[i][1])
                    .queryClusterSize((Integer) specs[i][2]).seed(1000 + i).build();
            MaskKind mask = (MaskKind) specs[i][3];
            cases.add(new RandomCase(RANDOM_CASES + i, "large " + shape + " mask " + mask, config,
                    GpuTestSupport.randomInputs(random, shape, mask, false)));
        }
        return cases;
    }

    private static int pick(SplittableRandom random, int... values) {
        return values[random.nextInt(values.length)];
    }
}
