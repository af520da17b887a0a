package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.BackendKind;
import org.smyrf4j.Mode;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.layer.LayerFixtures;
import org.smyrf4j.layer.LayerInputs;
import org.smyrf4j.layer.MhaReference;
import org.smyrf4j.layer.MultiHeadAttention;
import org.smyrf4j.weights.NamingPreset;
import org.smyrf4j.weights.SafetensorsWriter;
import org.smyrf4j.weights.WeightFiles;

/**
 * {@code layer} end to end: a BERT-layout .safetensors file (random weights under a prefix, next
 * to other tensors) through the command, compared with the API and a float64 reference; a
 * folder of .npy files for cross-attention; and every bad input ending in exit code 2 with one
 * line.
 */
class LayerCommandTest {

    private static final String PREFIX = "bert.encoder.layer.0.";
    private static final int B = 2;
    private static final int N = 23;
    private static final int M = 17;
    private static final int D = 48;
    private static final int HEADS = 4;
    /** As in MultiHeadAttentionTest: the bound for dense against float64. */
    private static final double DENSE_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    private AttentionWeights weights;
    private Path model;
    private Path x;
    private Path out;

    @BeforeEach
    void writeModelAndInputs() {
        weights = LayerFixtures.weights(21, D, true);
        // Another layer's query stands in for the rest of a checkpoint.
        model = WeightFiles.safetensors(dir.resolve("model.safetensors"), weights, NamingPreset.BERT.names(PREFIX),
                Map.of("bert.encoder.layer.1.attention.self.query.weight",
                        new FloatTensor(new float[D * D], new int[] {D, D})));
        x = floats("x.npy", LayerFixtures.gaussian(22, B * N * D), B, N, D);
        out = dir.resolve("y.npy");
    }

    @Test
    void bertSafetensorsThroughTheCommandEqualsTheApiAndFloat64() {
        CliRun run = layer("--mode", "dense");

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        FloatTensor y = NpyArrays.readFloat("y", out);
        assertArrayEquals(new int[] {B, N, D}, y.shape());
        LayerInputs in = LayerInputs.selfAttention(NpyArrays.readFloat("x", x).data(), B, N, D);
        assertArrayEquals(api(in, AttentionConfig.builder().mode(Mode.DENSE).build()), y.data(),
                "the command computes what the API computes");
        double[] ref = MhaReference.forward(weights, HEADS, in, 1 / Math.sqrt(D / HEADS));
        int bad = LayerFixtures.firstMismatch(y.data(), ref, null, D, DENSE_TOLERANCE);
        assertTrue(bad < 0, () -> "first mismatch at " + bad + ": got " + y.data()[bad] + ", float64 " + ref[bad]);
        String line = run.errLines().get(0);
        for (String part : new String[] {"layer: cpu", "B=2 N=23 M=23 dmodel=48 heads=4 dh=12", "; dense;",
            "weights bert '" + PREFIX + "'", "gemm cpu, "}) {
            assertTrue(line.contains(part), () -> "want '" + part + "' in: " + line);
        }
    }

    @Test
    void smyrfOptionsReachTheAttention() {
        CliRun run = layer("--hashes", "2", "--query-cluster", "8", "--seed", "5", "--preset", "bert");

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        assertTrue(run.err().contains("smyrf H=2 Cq=8 Ck=8 (3 clusters)"), run::toString);
        LayerInputs in = LayerInputs.selfAttention(NpyArrays.readFloat("x", x).data(), B, N, D);
        assertArrayEquals(api(in, AttentionConfig.builder().hashes(2).clusterSize(8).seed(5).build()),
                NpyArrays.readFloat("y", out).data());
    }

    @Test
    void crossAttentionFromANpyFolderWithAMaskAndNoBatchDimension() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("npy"));
        WeightFiles.npyFolder(folder, weights, NamingPreset.QKVO.names("decoder.layers.0.encoder_attn"));
        Path x2 = floats("x2.npy", LayerFixtures.gaussian(23, N * D), N, D);
        float[] memoryData = LayerFixtures.gaussian(24, M * D);
        Path memory = floats("m.npy", memoryData, M, D);
        Path mask = dir.resolve("mask.npy");
        byte[] maskBytes = new byte[M];
        for (int j = 0; j < M - 4; j++) {
            maskBytes[j] = 1;
        }
        NpyFile.write(mask, maskBytes, new int[] {M});

        CliRun run = CliRun.of("layer", "--weights", folder.toString(), "--prefix", "decoder.layers.0.encoder_attn",
                "--x", x2.toString(), "--memory", memory.toString(), "--key-valid", mask.toString(), "--heads", "6",
                "--mode", "auto", "--backend", "cpu", "--out", out.toString());

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        assertTrue(run.err().contains("M=17") && run.err().contains("auto->") && run.err().contains("weights qkvo"),
                run::toString);
        FloatTensor y = NpyArrays.readFloat("y", out);
        assertArrayEquals(new int[] {N, D}, y.shape());
        boolean[] valid = new boolean[M];
        for (int j = 0; j < M; j++) {
            valid[j] = maskBytes[j] != 0;
        }
        LayerInputs in = LayerInputs.crossAttention(NpyArrays.readFloat("x", x2).data(), 1, N, memoryData, M, D)
                .withKeyValid(valid);
        double[] ref = MhaReference.forward(weights, 6, in, 1 / Math.sqrt(D / 6));
        // auto picks dense at these lengths (H * Ck >= M).
        int bad = LayerFixtures.firstMismatch(y.data(), ref, null, D, DENSE_TOLERANCE);
        assertTrue(bad < 0, () -> "first mismatch at " + bad + ": got " + y.data()[bad] + ", float64 " + ref[bad]);
    }

    // ------------------------------------------------------------------ errors: exit 2, one line

    @Test
    void aMissingTensorNamesItAndTheCloseNames() {
        assertUsageError(layer("--prefix", "encoder.layer.0.", "--preset", "bert"),
                "tensor 'encoder.layer.0.attention.self.query.weight' not found", "close names: " + PREFIX);
    }

    @Test
    void theOtherPresetsNamesPointToIt() {
        assertUsageError(layer("--preset", "qkvo"), "tensor '" + PREFIX + "q_proj.weight' not found",
                "has the names of --preset bert under --prefix '" + PREFIX + "'");
    }

    @Test
    void noPresetsNamesUnderThePrefixSaysWhatWasLookedFor() {
        assertUsageError(layer("--prefix", "bert.encoder.layer.9."),
                "has no attention weights under --prefix 'bert.encoder.layer.9.'",
                "'bert.encoder.layer.9.attention.self.query.weight' (--preset bert)",
                "'bert.encoder.layer.9.q_proj.weight' (--preset qkvo)", "close names: " + PREFIX);
    }

    @Test
    void aWrongShapeNamesTheTensor() {
        Map<String, FloatTensor> tensors = new java.util.LinkedHashMap<>(
                WeightFiles.tensors(weights, NamingPreset.BERT.names(PREFIX)));
        tensors.put(PREFIX + "attention.output.dense.weight", new FloatTensor(new float[D * 2], new int[] {2, D}));
        Path bad = dir.resolve("bad.safetensors");
        SafetensorsWriter.write(bad, tensors);
        assertUsageError(layer("--weights", bad.toString()),
                "tensor '" + PREFIX + "attention.output.dense.weight' must be (dmodel, dmodel) = (48, 48), got (2, 48)");
    }

    @Test
    void headsThatDoNotDivideModelDim() {
        assertUsageError(layer("--heads", "5"), "--heads must divide dmodel = 48", "got 5");
        assertUsageError(layer("--heads", "0"), "--heads must be > 0, got 0");
    }

    @Test
    void anUnsupportedDtype() {
        List<SafetensorsWriter.Raw> raw = new ArrayList<>();
        raw.add(new SafetensorsWriter.Raw("q_proj.weight", "I32", new int[] {D, D}, new byte[4 * D * D]));
        for (String name : new String[] {"k_proj.weight", "v_proj.weight", "out_proj.weight"}) {
            raw.add(new SafetensorsWriter.Raw(name, "F32", new int[] {D, D}, new byte[4 * D * D]));
        }
        Path file = dir.resolve("i32.safetensors");
        SafetensorsWriter.writeRaw(file, raw, Map.of());
        assertUsageError(layer("--weights", file.toString(), "--prefix", ""), "tensor 'q_proj.weight'",
                "has dtype I32", "supported: F32, F16, BF16");
    }

    @Test
    void inputsThatDoNotFitTheWeights() {
        assertUsageError(layer("--x", floats("x40.npy", new float[B * N * 40], B, N, 40).toString()),
                "--x has dmodel 40 (last dimension of (2, 23, 40)) but the weights are for dmodel 48");
        assertUsageError(layer("--x", floats("x4.npy", new float[D], 1, 1, 1, D).toString()), "--x must be", "rank 4");
        assertUsageError(layer("--memory", floats("m3.npy", new float[3 * M * D], 3, M, D).toString()),
                "--x and --memory disagree on batch (2 vs 3)");
        assertUsageError(layer("--memory", floats("m2.npy", new float[M * D], M, D).toString()),
                "--memory has rank 2 but --x has rank 3");
        assertUsageError(layer("--key-valid", floats("mf.npy", new float[B * N], B, N).toString()),
                "--key-valid must be uint8 or bool, got float32");
        assertUsageError(layer("--memory", floats("mw.npy", new float[B * M * D], B, M, D).toString(),
                "--mode", "smyrf", "--query-cluster", "23", "--local-window", "2"),
                "--local-window: localWindow 2 needs self-attention (Nq == Nk), got Nq=23, Nk=17");
    }

    @Test
    void aMaskOfTheWrongShape() throws Exception {
        Path mask = dir.resolve("mask.npy");
        NpyFile.write(mask, new byte[B * M], new int[] {B, M});
        assertUsageError(layer("--key-valid", mask.toString()),
                "--key-valid must be (batch, keyLen) = (2, 23), keyLen the tokens of --x, got (2, 17)");
    }

    @Test
    void projectionsMustFitTheHeadDim() {
        assertUsageError(layer("--projections", floats("a.npy", new float[(D + 2) * 2], D + 2, 2).toString()),
                "--projections must be (dim+2, hashes) = (14, H) for head dim 12 = dmodel 48 / 4 heads, got (50, 2)");
    }

    @Test
    void badOptionValues() {
        assertUsageError(layer("--preset", "gpt"), "preset must be bert or qkvo, got 'gpt'");
        assertUsageError(layer("--weights", dir.resolve("nope").toString()), "--weights file or folder not found");
        assertUsageError(layer("--weights", x.toString()), "is not a safetensors file");
        assertUsageError(layer("--query-cluster", "5", "--key-cluster", "3"), "cluster counts cannot agree");
        assertUsageError(layer("--mode", "fast"), "mode must be smyrf, dense or auto, got 'fast'");
        assertUsageError(layer("--gemm", "mkl"), "gemm must be auto, cublas or kernels, got 'mkl'");
    }

    @Test
    void theCommandIsListedInTheHelp() {
        CliRun run = CliRun.of("--help");
        assertTrue(run.out().contains("layer"), run::toString);
        CliRun help = CliRun.of("layer", "--help");
        assertEquals(Main.EXIT_OK, help.exitCode(), help::toString);
        for (String option : new String[] {"--weights", "--prefix", "--preset", "--x", "--memory", "--key-valid",
            "--heads", "--out", "--mode", "--hashes", "--query-cluster", "--backend", "--gemm", "--tf32"}) {
            assertTrue(help.out().contains(option), () -> "want " + option + " in: " + help.out());
        }
    }

    /** The layer on the API with the same weights, gemm and engine kind as the command. */
    private float[] api(LayerInputs in, AttentionConfig config) {
        try (AttentionEngine engine = AttentionEngine.create(BackendKind.CPU);
                CpuGemm gemm = new CpuGemm();
                MultiHeadAttention layer = new MultiHeadAttention(weights, HEADS, gemm)) {
            return layer.forward(engine, config, in);
        }
    }

    /** layer on the model and x, with {@code overrides} replacing or adding options. */
    private CliRun layer(String... overrides) {
        List<String> args = new ArrayList<>(List.of("layer", "--weights", model.toString(), "--prefix", PREFIX,
                "--x", x.toString(), "--heads", Integer.toString(HEADS), "--backend", "cpu", "--out", out.toString()));
        for (int i = 0; i < overrides.length; i += 2) {
            int at = args.indexOf(overrides[i]);
            if (at >= 0) {
                args.set(at + 1, overrides[i + 1]);
            } else {
                args.add(overrides[i]);
                args.add(overrides[i + 1]);
            }
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    private void assertUsageError(CliRun run, String... expected) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run::toString);
        run.assertOneErrorLine(expected);
        assertFalse(Files.exists(out), "no output file after a failure");
    }

    private Path floats(String name, float[] data, int... shape) {
        Path path = dir.resolve(name);
        NpyArrays.writeFloat(path, data, shape);
        return path;
    }
}
