package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.io.NpyArrays;

/**
 * The kernel pack's kernels, run on the CPU emulation ({@code make emu}), stage by stage against
 * the CPU engine, against the authors' golden cases, and against the driver's own serial
 * reference. Hash values and orders must agree exactly (docs/kernels.md pins the float
 * sequence); continuous stages within the tolerances below. The shapes stay small because the
 * emulation runs every GPU thread as an OS thread (a 1024-thread sort block costs milliseconds
 * per step).
 */
class EmulatedKernelsTest {

    /**
     * Round outputs, round log-sum-exps, combined and dense outputs, relative to max(1, |expected|):
     * both engines compute in float32 but sum in different orders (fma chains per thread here,
     * vector lanes and a different exp on the CPU), which leaves differences near 1e-6 on values
     * of order 1; an indexing or masking error moves values by 0.1.
     */
    private static final float CONTINUOUS_TOLERANCE = 1e-5f;
    /** Golden cases (test-data/golden/README.md): a faithful float32 engine matches this share of rows... */
    private static final double GOLDEN_ROW_SHARE = 0.995;
    /** ...to within this max abs difference in the row. */
    private static final float GOLDEN_ROW_TOLERANCE = 1e-4f;
    /**
     * The reference computed its hashes with a matrix product, so tokens whose hashes nearly tie
     * may swap places; over the valid tokens almost every position agrees (measured: all but 0.02%).
     */
    private static final double GOLDEN_ORDER_SHARE = 0.99;

    private static final KernelEmulator EMULATOR = KernelEmulator.ofRepository();
    private static final Path REPO = Path.of(System.getProperty("smyrf4j.repo", "."));

    @BeforeAll
    static void requireEmulator() {
        assumeTrue(EMULATOR.isBuilt(), "the kernel emulator " + EMULATOR.binary()
                + " is not built (run `make emu`; it needs g++ with C++20)");
    }

    /** Shapes that reach every branch: padding, cross lengths, dv over one chunk, masks, long segments. */
    static Stream<ShapeCase> shapes() {
        return Stream.of(
                new ShapeCase("self-attention, padded rows", 2, 100, 100, 8, 8, 2, 16, null, MaskKind.PADDED_ROWS),
                new ShapeCase("cross lengths, dv 37", 1, 77, 45, 5, 37, 2, 11, null, MaskKind.NONE),
                new ShapeCase("cross lengths, key holes", 2, 45, 77, 6, 33, 1, 7, 11, MaskKind.HOLES),
                new ShapeCase("one row fully masked", 2, 64, 64, 9, 40, 2, 16, 16, MaskKind.LAST_ROW_MASKED),
                // 2100 tokens pad to sort segments of 4096 > SORT_LOCAL: the global merge steps run.
                new ShapeCase("segments past SORT_LOCAL", 1, 2100, 2100, 4, 4, 1, 300, 300, MaskKind.PADDED_ROWS));
    }

    /**
     * Shapes for the tensor-core kernel (attention_tc.cu): query passes of 64 with a partial
     * last one, key tiles of 32 with a partial last one, d and dv padded inside (to 8 and 16
     * columns), cross lengths, masks.
     */
    static Stream<ShapeCase> tensorCoreShapes() {
        return Stream.of(
                new ShapeCase("two passes, padded dims", 2, 260, 260, 37, 20, 2, 130, 130, MaskKind.HOLES),
                new ShapeCase("cross lengths, dv 37", 1, 77, 45, 5, 37, 2, 11, null, MaskKind.PADDED_ROWS),
                new ShapeCase("one row fully masked", 2, 64, 64, 16, 48, 2, 16, 16, MaskKind.LAST_ROW_MASKED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyStageMatchesTheCpuEngine(ShapeCase shape, @TempDir Path work) {
        compareWithTheCpuEngine(shape, false, work);
    }

    /**
     * The plain rounds on tensor cores (3xTF32 through the emulation's wmma, which also checks
     * the kernel's use of it: alignment, ldm, TF32 operands): the same bar as the CUDA-core kernel.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tensorCoreShapes")
    void tensorCoreRoundsMatchTheCpuEngine(ShapeCase shape, @TempDir Path work) {
        compareWithTheCpuEngine(shape, true, work);
    }

    private static void compareWithTheCpuEngine(ShapeCase shape, boolean tensorCores, Path work) {
        AttentionConfig config = shape.config();
        AttentionInputs inputs = shape.inputs(41);
        SmyrfTrace want;
        float[] wantDense;
        try (CpuEngine cpu = new CpuEngine()) {
            want = cpu.trace(config, inputs);
            wantDense = cpu.attend(config.toBuilder().mode(Mode.DENSE).build(), inputs);
        } catch (UnsupportedOperationException e) {
            abort("the CPU engine's trace is not implemented in this build: " + e.getMessage());
            return;
        }
        ClusterPlan plan = want.plan();
        assertEquals(config.plan(shape.queryLen, shape.keyLen), plan, "cluster plan");
        KernelEmulator.Case emulated = shape.emulatorCase(config, inputs, plan);
        KernelEmulator.Stages got = EMULATOR.run(tensorCores ? emulated.onTensorCores() : emulated, work);

        assertBitsEqual("queryHashes (H, B, Nq)", want.queryHashes(), got.queryHashes());
        assertBitsEqual("keyHashes (H, B, Nk)", want.keyHashes(), got.keyHashes());
        assertIntsEqual("queryOrder (H, B, Nq')", want.queryOrder(), got.queryOrder());
        assertIntsEqual("keyOrder (H, B, Nk')", want.keyOrder(), got.keyOrder());
        assertClose("roundOutputs (H, B, Nq, dv)", want.roundOutputs(), got.roundOut());
        assertClose("roundLse (H, B, Nq)", want.roundLse(), got.roundLse());
        assertClose("output (B, Nq, dv)", want.output(), got.out());
        assertClose("dense (B, Nq, dv)", wantDense, got.dense());
    }

    /**
     * SPEC Extensions on odd shapes: global keys alone, union alone, both; masks (a global key on
     * a masked key, a repeated position, a row without valid keys), cross lengths, more global
     * keys than a key tile holds. The local window alone and with each extension: w = 1, and
     * w = 40, whose blocks walk 128 + 80 keys (seven tiles); lengths that are not multiples of
     * the cluster size or of the window kernel's 128 queries, dv 37.
     */
    static Stream<ExtensionCase> extensionShapes() {
        int[] many = new int[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = i < 34 ? 3 * i : -3 * (i - 33) + 1;
        }
        return Stream.of(
                new ExtensionCase(new ShapeCase("global keys, padded rows", 2, 100, 100, 8, 8, 2, 16, null,
                        MaskKind.PADDED_ROWS), new int[] {0, -1}, false),
                new ExtensionCase(new ShapeCase("union, cross lengths dv 37", 1, 77, 45, 5, 37, 3, 11, null,
                        MaskKind.NONE), new int[0], true),
                new ExtensionCase(new ShapeCase("both, cross lengths, key holes", 2, 45, 77, 6, 33, 2, 7, 11,
                        MaskKind.HOLES), new int[] {0, -1, 5, -1, 2}, true),
                new ExtensionCase(new ShapeCase("both, one row fully masked", 2, 64, 64, 9, 40, 3, 16, 16,
                        MaskKind.LAST_ROW_MASKED), new int[] {1, -1}, true),
                new ExtensionCase(new ShapeCase("union, 40 global keys", 1, 100, 100, 8, 8, 4, 20, 20,
                        MaskKind.NONE), many, true),
                new ExtensionCase(new ShapeCase("window 1, padded rows", 2, 100, 100, 8, 8, 2, 16, null,
                        MaskKind.PADDED_ROWS), new int[0], false, 1),
                new ExtensionCase(new ShapeCase("window 40, union, key holes dv 37", 2, 150, 150, 5, 37, 2, 20, null,
                        MaskKind.HOLES), new int[0], true, 40),
                new ExtensionCase(new ShapeCase("window 3, global keys", 1, 77, 77, 4, 16, 3, 11, null,
                        MaskKind.NONE), new int[] {1, -1, 40}, false, 3),
                new ExtensionCase(new ShapeCase("window 40, both, one row fully masked", 2, 140, 140, 9, 37, 3, 16, 16,
                        MaskKind.LAST_ROW_MASKED), new int[] {0, -1, 5}, true, 40));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("extensionShapes")
    void extensionsMatchTheCpuEngine(ExtensionCase ext, @TempDir Path work) {
        ShapeCase shape = ext.shape();
        AttentionConfig config = shape.config().toBuilder().globalKeys(ext.globalKeys())
                .unionRounds(ext.unionRounds()).localWindow(ext.window()).build();
        AttentionInputs inputs = shape.inputs(43);
        SmyrfTrace want;
        try (CpuEngine cpu = new CpuEngine()) {
            want = cpu.trace(config, inputs);
        }
        ClusterPlan plan = want.plan();
        // The engine's own host step: resolve the positions against the mask.
        byte[] mask = null;
        if (inputs.hasMask()) {
            mask = new byte[inputs.keyValid().length];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = (byte) (inputs.keyValid()[i] ? 1 : 0);
            }
        }
        GlobalKeyTable globals = GlobalKeyTable.resolve(ext.globalKeys(), mask, shape.batch, shape.keyLen);
        KernelEmulator.Case plain = shape.emulatorCase(config, inputs, plan);
        KernelEmulator.Case c = new KernelEmulator.Case(plain.batch(), plain.queryLen(), plain.keyLen(), plain.dim(),
                plain.valueDim(), plain.hashes(), plain.queryClusterSize(), plain.keyClusterSize(), plain.clusters(),
                plain.scale(), plain.q(), plain.k(), plain.v(), plain.alpha(), plain.mask(),
                globals.globalCount() > 0 ? globals.table() : null, globals.globalCount(), ext.unionRounds(),
                ext.window());
        KernelEmulator.Stages got = EMULATOR.run(c, work);

        assertBitsEqual("queryHashes (H, B, Nq)", want.queryHashes(), got.queryHashes());
        assertBitsEqual("keyHashes (H, B, Nk)", want.keyHashes(), got.keyHashes());
        assertIntsEqual("queryOrder (H, B, Nq')", want.queryOrder(), got.queryOrder());
        assertIntsEqual("keyOrder (H, B, Nk')", want.keyOrder(), got.keyOrder());
        // Both hold every round: the H hash rounds, then the window's (slot H).
        assertClose("roundOutputs (H+1, B, Nq, dv)", want.roundOutputs(), got.roundOut());
        assertClose("roundLse (H+1, B, Nq)", want.roundLse(), got.roundLse());
        assertClose("output (B, Nq, dv)", want.output(), got.out());
        System.out.printf(java.util.Locale.ROOT, "emulated %s: output max |diff| vs the CPU engine %.2e%n", ext,
                maxAbsDiff(want.output(), got.out()));
    }

    private static double maxAbsDiff(float[] want, float[] got) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs((double) want[i] - got[i]));
        }
        return worst;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny", "single_hash", "padding_mask"})
    void goldenCasesMatchTheReferenceImplementation(String name, @TempDir Path work) throws IOException {
        Path dir = REPO.resolve("test-data/golden").resolve(name);
        Map<String, String> json = flatJson(Files.readString(dir.resolve("case.json")));
        int b = Integer.parseInt(json.get("batch"));
        int nq = Integer.parseInt(json.get("query_len"));
        int nk = Integer.parseInt(json.get("key_len"));
        int d = Integer.parseInt(json.get("dim"));
        int dv = Integer.parseInt(json.get("value_dim"));
        int h = Integer.parseInt(json.get("hashes"));
        int cq = Integer.parseInt(json.get("query_cluster_size"));
        int ck = Integer.parseInt(json.get("key_cluster_size"));
        float scale = Float.parseFloat(json.get("scale"));
        boolean[] mask = Files.exists(dir.resolve("key_valid.npy"))
                ? NpyArrays.readMask("key_valid", dir.resolve("key_valid.npy")).data() : null;
        ClusterPlan plan = ClusterPlan.resolve(nq, nk, cq, ck);
        KernelEmulator.Case c = new KernelEmulator.Case(b, nq, nk, d, dv, h, cq, ck, plan.clusters(), scale,
                NpyArrays.readFloat("q", dir.resolve("q.npy")).data(),
                NpyArrays.readFloat("k", dir.resolve("k.npy")).data(),
                NpyArrays.readFloat("v", dir.resolve("v.npy")).data(),
                NpyArrays.readFloat("alpha", dir.resolve("alpha.npy")).data(), mask);
        KernelEmulator.Stages got = EMULATOR.run(c, work);

        boolean[] queryValid = new boolean[b * nq];
        for (int i = 0; i < queryValid.length; i++) {
            queryValid[i] = mask == null || nq != nk || mask[i];
        }
        assertRowsClose(name + " out", NpyArrays.readFloat("out", dir.resolve("out.npy")).data(), got.out(), dv,
                queryValid, GOLDEN_ROW_SHARE);
        assertRowsClose(name + " dense", NpyArrays.readFloat("dense", dir.resolve("dense.npy")).data(), got.dense(), dv,
                queryValid, 1.0);
        if (!name.equals("tiny")) {  // tiny's order files are Fortran-ordered
            assertValidOrderShare(name + " q_order", NpyArrays.readInt("q_order", dir.resolve("q_order.npy")).data(),
                    got.queryOrder(), h, b, nq, plan.paddedQueryLen(), queryValid);
            boolean[] keyValid = new boolean[b * nk];
            for (int i = 0; i < keyValid.length; i++) {
                keyValid[i] = mask == null || mask[i];
            }
            assertValidOrderShare(name + " k_order", NpyArrays.readInt("k_order", dir.resolve("k_order.npy")).data(),
                    got.keyOrder(), h, b, nk, plan.paddedKeyLen(), keyValid);
        }
    }

    @Test
    void selfCheckAgainstTheDriversSerialReference() {
        KernelEmulator.Output result = EMULATOR.execute("--self-check");
        assertEquals(0, result.exitCode(), () -> "smyrf-emu --self-check failed:\n" + result.text());
        assertTrue(result.text().contains("self-check passed"), result.text());
    }

    @Test
    void emulatorGeometryIsTheHeadersGeometry() throws IOException {
        assertEquals(headerGeometry(), EMULATOR.geometry(),
                "smyrf-emu --geometry against src/main/cuda/smyrf_geometry.h (rebuild with `make emu`)");
    }

    /** KernelGeometry (the Java launchers' copy) must hold the header's values, under either spelling. */
    @Test
    void kernelGeometryMirrorsTheHeader() throws IOException {
        Class<?> mirror;
        try {
            mirror = Class.forName("org.smyrf4j.cuda.KernelGeometry");
        } catch (ClassNotFoundException e) {
            abort("org.smyrf4j.cuda.KernelGeometry does not exist in this build");
            return;
        }
        Map<String, Integer> header = headerGeometry();
        for (Map.Entry<String, Integer> e : header.entrySet()) {
            String shortName = e.getKey().substring("SMYRF_".length());
            Integer value = staticInt(mirror, shortName);
            if (value == null) {
                value = staticInt(mirror, e.getKey());
            }
            if (value == null) {
                fail("KernelGeometry has no static int " + shortName + " (or " + e.getKey() + "); the header defines "
                        + e.getKey() + "=" + e.getValue());
            }
            assertEquals(e.getValue(), value, "KernelGeometry." + shortName + " against smyrf_geometry.h");
        }
    }

    // ---- cases ---------------------------------------------------------------------------------

    enum MaskKind { NONE, PADDED_ROWS, HOLES, LAST_ROW_MASKED }

    /** One random case: sizes, cluster sizes (null = derived by ClusterPlan) and a mask pattern. */
    record ShapeCase(String name, int batch, int queryLen, int keyLen, int dim, int valueDim, int hashes,
            Integer queryClusterSize, Integer keyClusterSize, MaskKind mask) {

        AttentionConfig config() {
            AttentionConfig.Builder builder = AttentionConfig.builder().hashes(hashes).seed(7);
            if (queryClusterSize != null) {
                builder.queryClusterSize(queryClusterSize);
            }
            if (keyClusterSize != null) {
                builder.keyClusterSize(keyClusterSize);
            }
            return builder.build();
        }

        AttentionInputs inputs(long seed) {
            Random random = new Random(seed);
            AttentionShape shape = new AttentionShape(batch, queryLen, keyLen, dim, valueDim);
            float[] q = gaussian(random, shape.queryElements());
            float[] k = gaussian(random, shape.keyElements());
            float[] v = gaussian(random, shape.valueElements());
            // Repeated tokens hash to equal values: the index must break those ties.
            for (int b = 0; b < batch && queryLen > 3 && keyLen > 3; b++) {
                System.arraycopy(q, (b * queryLen + 1) * dim, q, (b * queryLen + 2) * dim, dim);
                System.arraycopy(k, (b * keyLen + 1) * dim, k, (b * keyLen + 3) * dim, dim);
            }
            boolean[] valid = null;
            if (mask != MaskKind.NONE) {
                valid = new boolean[batch * keyLen];
                for (int b = 0; b < batch; b++) {
                    int validLen = 1 + random.nextInt(keyLen);
                    for (int j = 0; j < keyLen; j++) {
                        valid[b * keyLen + j] = switch (mask) {
                            case PADDED_ROWS -> j < validLen;
                            case HOLES -> random.nextInt(4) != 0;
                            case LAST_ROW_MASKED -> b != batch - 1;
                            case NONE -> true;
                        };
                    }
                }
            }
            return AttentionInputs.of(shape, q, k, v, valid);
        }

        KernelEmulator.Case emulatorCase(AttentionConfig config, AttentionInputs in, ClusterPlan plan) {
            return new KernelEmulator.Case(batch, queryLen, keyLen, dim, valueDim, hashes, plan.queryClusterSize(),
                    plan.keyClusterSize(), plan.clusters(), config.scale(dim), in.q(), in.k(), in.v(),
                    config.projections(dim), in.keyValid());
        }

        @Override
        public String toString() {
            return name + " (B=" + batch + " Nq=" + queryLen + " Nk=" + keyLen + " d=" + dim + " dv=" + valueDim
                    + " H=" + hashes + ")";
        }
    }

    /**
     * A shape with SPEC Extensions: global key positions (possibly none), the union softmax, and
     * the local window (0: off).
     */
    record ExtensionCase(ShapeCase shape, int[] globalKeys, boolean unionRounds, int window) {
        ExtensionCase(ShapeCase shape, int[] globalKeys, boolean unionRounds) {
            this(shape, globalKeys, unionRounds, 0);
        }

        @Override
        public String toString() {
            return shape + " globalKeys=" + java.util.Arrays.toString(globalKeys) + (unionRounds ? " union" : "")
                    + (window > 0 ? " window " + window : "");
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    // ---- comparisons ---------------------------------------------------------------------------

    private static void assertBitsEqual(String stage, float[] want, float[] got) {
        assertEquals(want.length, got.length, stage + " length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(stage + " differs first at index " + i + ": cpu " + want[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(want[i])) + "), kernels " + got[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(got[i])) + ")");
            }
        }
    }

    private static void assertIntsEqual(String stage, int[] want, int[] got) {
        assertEquals(want.length, got.length, stage + " length");
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                fail(stage + " differs first at index " + i + ": cpu " + want[i] + ", kernels " + got[i]);
            }
        }
    }

    private static void assertClose(String stage, float[] want, float[] got) {
        assertEquals(want.length, got.length, stage + " length");
        for (int i = 0; i < want.length; i++) {
            float w = want[i];
            float g = got[i];
            boolean ok = Float.isInfinite(w) || Float.isInfinite(g)
                    ? w == g
                    : Math.abs(w - g) <= CONTINUOUS_TOLERANCE * Math.max(1f, Math.abs(w));
            if (!ok) {
                fail(stage + " differs first at index " + i + ": cpu " + w + ", kernels " + g + " (tolerance "
                        + CONTINUOUS_TOLERANCE + " relative to max(1, |cpu|))");
            }
        }
    }

    /** At least {@code share} of the valid rows within GOLDEN_ROW_TOLERANCE (max abs over the row). */
    private static void assertRowsClose(String what, float[] want, float[] got, int dv, boolean[] rowValid,
            double share) {
        assertEquals(want.length, got.length, what + " length");
        int rows = 0;
        int close = 0;
        int firstBad = -1;
        for (int r = 0; r < rowValid.length; r++) {
            if (!rowValid[r]) {
                continue;
            }
            rows++;
            float worst = 0f;
            for (int c = 0; c < dv; c++) {
                worst = Math.max(worst, Math.abs(want[r * dv + c] - got[r * dv + c]));
            }
            if (worst <= GOLDEN_ROW_TOLERANCE) {
                close++;
            } else if (firstBad < 0) {
                firstBad = r;
            }
        }
        if (close < share * rows) {
            int c = firstBad * dv;
            fail(what + ": " + close + " of " + rows + " valid rows within " + GOLDEN_ROW_TOLERANCE + ", need "
                    + share + "; first bad row " + firstBad + ": reference " + want[c] + ", kernels " + got[c]
                    + " at its column 0");
        }
    }

    /** Over each segment's valid prefix (the valid tokens sort first), the share of equal positions. */
    private static void assertValidOrderShare(String what, int[] want, int[] got, int h, int b, int n, int padded,
            boolean[] valid) {
        long compared = 0;
        long equal = 0;
        String first = null;
        for (int r = 0; r < h; r++) {
            for (int row = 0; row < b; row++) {
                int validCount = 0;
                for (int i = 0; i < n; i++) {
                    validCount += valid[row * n + i] ? 1 : 0;
                }
                for (int p = 0; p < validCount; p++) {
                    int w = want[(r * b + row) * n + p];
                    int g = got[(r * b + row) * padded + p];
                    compared++;
                    if (w == g) {
                        equal++;
                    } else if (first == null) {
                        first = "round " + r + " row " + row + " position " + p + ": reference " + w + ", kernels " + g;
                    }
                }
            }
        }
        double share = compared == 0 ? 1.0 : (double) equal / compared;
        assertTrue(share >= GOLDEN_ORDER_SHARE, what + ": " + equal + " of " + compared
                + " valid positions agree, need " + GOLDEN_ORDER_SHARE + "; first difference " + first);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Map<String, Integer> headerGeometry() throws IOException {
        String header = Files.readString(REPO.resolve("src/main/cuda/smyrf_geometry.h"));
        Map<String, Integer> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#define\\s+(SMYRF_[A-Z0-9_]+)\\s+(\\d+)\\s*$").matcher(header);
        while (m.find()) {
            values.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertTrue(values.size() >= 8, "smyrf_geometry.h defines only " + values);
        return values;
    }

    private static Integer staticInt(Class<?> type, String name) {
        try {
            Field f = type.getDeclaredField(name);
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class) {
                return null;
            }
            f.setAccessible(true);
            return f.getInt(null);
        } catch (NoSuchFieldException | IllegalAccessException e) {
            return null;
        }
    }

    /** The scalar fields of a flat JSON object (case.json), as text. */
    private static Map<String, String> flatJson(String json) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\"\\s*:\\s*(\"[^\"]*\"|[^,}\\s]+)").matcher(json);
        while (m.find()) {
            fields.put(m.group(1), m.group(2).replace("\"", ""));
        }
        return fields;
    }
}
