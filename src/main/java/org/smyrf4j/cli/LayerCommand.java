package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.cuda.CudaEngine;
import org.smyrf4j.cuda.CudaLayer;
import org.smyrf4j.cuda.GemmSettings;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.layer.LayerInputs;
import org.smyrf4j.layer.MultiHeadAttention;
import org.smyrf4j.weights.AttentionWeightsLoader;
import org.smyrf4j.weights.NamingPreset;
import org.smyrf4j.weights.TensorNames;
import org.smyrf4j.weights.TensorSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code layer}: multi-head attention with a model's projection weights on .npy inputs. Reads
 * Wq, Wk, Wv, Wo and their biases from a .safetensors file or a folder of .npy files, runs
 * {@link MultiHeadAttention} and writes y. On the CUDA backend the whole layer runs on the GPU
 * ({@link CudaLayer}: projections on cuBLAS, or on the kernel pack's GEMM where cuBLAS does not
 * load). One summary line goes to stderr.
 */
@Command(name = "layer", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Runs a multi-head attention layer (projections, heads, attention, output projection) on .npy inputs.",
            "x (B, N, dmodel) [memory (B, M, dmodel)] -> y (B, N, dmodel); or x (N, dmodel) -> y (N, dmodel).",
            "Weights in nn.Linear layout (out, in) from a .safetensors file (F32, F16, BF16) or a folder of"
                    + " NAME.npy files."})
final class LayerCommand implements Callable<Integer> {

    /** Suggestions listed when no preset's names are found. */
    private static final int MAX_CLOSE_NAMES = 5;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = "--weights", required = true, paramLabel = "FILE_OR_DIR",
            description = "A .safetensors file, or a folder of float32 NAME.npy files.")
    private Path weights;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "",
            description = "Prefix of the layer's tensor names, e.g. bert.encoder.layer.0. (trailing dot optional).")
    private String prefix;

    @Option(names = "--preset", paramLabel = "bert|qkvo", converter = PresetConverter.class,
            description = "Tensor names: bert (attention.self.query ... attention.output.dense) or qkvo (q_proj,"
                    + " k_proj, v_proj, out_proj), each with .weight and .bias. Default: whichever the file has.")
    private NamingPreset preset;

    @Option(names = "--x", required = true, paramLabel = "X.npy",
            description = "Input tokens, float32 (B, N, dmodel) or (N, dmodel).")
    private Path x;

    @Option(names = "--memory", paramLabel = "M.npy",
            description = "Memory for cross-attention, float32 (B, M, dmodel) or (M, dmodel). Default: x (self-attention).")
    private Path memory;

    @Option(names = "--key-valid", paramLabel = "MASK.npy",
            description = "Key padding mask, uint8 or bool (B, M), or (B, N) without --memory; 0 marks a padded key.")
    private Path keyValid;

    @Option(names = "--heads", required = true, paramLabel = "h", description = "Number of heads; must divide dmodel.")
    private int heads;

    @Option(names = "--out", required = true, paramLabel = "Y.npy", description = "Output file, float32 like --x.")
    private Path out;

    @Option(names = "--gemm", paramLabel = "auto|cublas|kernels", converter = GemmConverter.class,
            description = "GEMM of the projections on the CUDA backend: cublas, kernels (the kernel pack's) or auto"
                    + " (cuBLAS where it loads, else the kernel pack's). Default: -Dsmyrf4j.gemm, else auto.")
    private GemmSettings.Request gemm;

    @Option(names = "--tf32", description = "cuBLAS on TF32 tensor cores: faster, agrees with the CPU layer to about"
            + " 1e-3 relative instead of 1e-6 (default: -Dsmyrf4j.gemm.tf32, else off).")
    private boolean tf32;

    @Mixin
    private AttentionOptions attention;

    @Mixin
    private BackendOption backend;

    /** Parses bert or qkvo, case-insensitively. */
    static final class PresetConverter implements ITypeConverter<NamingPreset> {
        @Override
        public NamingPreset convert(String value) {
            try {
                return NamingPreset.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses auto, cublas or kernels, case-insensitively. */
    static final class GemmConverter implements ITypeConverter<GemmSettings.Request> {
        @Override
        public GemmSettings.Request convert(String value) {
            try {
                return GemmSettings.Request.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** What a run computed: y, the GEMM it ran on, and the forward pass's time. */
    private record Result(float[] y, String gemm, double millis) {
    }

    @Override
    public Integer call() {
        attention.validate();
        if (heads <= 0) {
            throw new IllegalArgumentException("--heads must be > 0, got " + heads);
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out must be a file, got the folder " + out);
        }
        if (!Files.exists(weights)) {
            throw new IllegalArgumentException("--weights file or folder not found: " + weights);
        }
        TensorSource source = TensorSource.open(weights);
        NamingPreset names = preset != null ? preset : detectPreset(source);
        requireQueryWeight(source, names);
        AttentionWeights w = AttentionWeightsLoader.load(source, names.names(prefix));
        int modelDim = w.modelDim();
        if (modelDim % heads != 0) {
            throw new IllegalArgumentException("--heads must divide dmodel = " + modelDim + " (from "
                    + names.names(prefix).query() + TensorNames.WEIGHT + "), got " + heads);
        }
        int headDim = modelDim / heads;

        LayerTensors tensors = LayerTensors.of(
                NpyArrays.readFloat("--x", x),
                memory == null ? null : NpyArrays.readFloat("--memory", memory),
                keyValid == null ? null : NpyArrays.readMask("--key-valid", keyValid),
                modelDim);
        LayerInputs inputs = tensors.inputs();
        AttentionConfig config = attention.config(headDim, "head dim " + headDim + " = dmodel " + modelDim + " / "
                + heads + " heads");
        AttentionOptions.Resolved resolved = AttentionOptions.resolve(config, inputs.queryLen(), inputs.keyLen());

        GemmSettings gemmSettings = GemmSettings.fromSystemProperties();
        if (gemm != null) {
            gemmSettings = gemmSettings.withRequest(gemm);
        }
        gemmSettings = gemmSettings.withTf32(gemmSettings.tf32() || tf32);

        try (AttentionEngine engine = backend.open()) {
            Result result = engine.backendEngine() instanceof CudaEngine cuda
                    ? onDevice(cuda, w, gemmSettings, config, inputs)
                    : onHost(engine, w, config, inputs);
            NpyArrays.writeFloat(out, result.y(), tensors.outputShape());
            PrintWriter err = spec.commandLine().getErr();
            err.println(String.format(Locale.ROOT,
                    "layer: %s; B=%d N=%d M=%d dmodel=%d heads=%d dh=%d; %s%s; weights %s%s%s; gemm %s; %.1f ms",
                    engine.choice(), inputs.batch(), inputs.queryLen(), inputs.keyLen(), modelDim, heads, headDim,
                    resolved.text(), resolved.kernelText(engine, headDim, headDim), names.label(), prefix.isEmpty() ? "" : " '" + prefix + "'",
                    w.query().hasBias() ? "" : " (no biases)", result.gemm(), result.millis()));
            err.flush();
        }
        return Main.EXIT_OK;
    }

    /** The layer on the GPU: every step on the device, its GEMM as {@code settings} ask. */
    private Result onDevice(CudaEngine cuda, AttentionWeights w, GemmSettings settings, AttentionConfig config,
            LayerInputs inputs) {
        try (CudaLayer layer = cuda.openLayer(w, heads, settings)) {
            long start = System.nanoTime();
            float[] y = layer.forward(config, inputs);
            return new Result(y, layer.gemmDescription(), (System.nanoTime() - start) / 1e6);
        }
    }

    /** The layer with its projections on the CPU GEMM and the attention on the engine. */
    private Result onHost(AttentionEngine engine, AttentionWeights w, AttentionConfig config, LayerInputs inputs) {
        try (CpuGemm cpuGemm = new CpuGemm();
                MultiHeadAttention layer = new MultiHeadAttention(w, heads, cpuGemm)) {
            long start = System.nanoTime();
            float[] y = layer.forward(engine, config, inputs);
            return new Result(y, cpuGemm.description(), (System.nanoTime() - start) / 1e6);
        }
    }

    /** The preset whose names the file has under --prefix, or an error listing what was looked for. */
    private NamingPreset detectPreset(TensorSource source) {
        return AttentionWeightsLoader.detect(source, prefix).orElseThrow(() -> {
            List<String> looked = new ArrayList<>();
            for (NamingPreset p : NamingPreset.values()) {
                looked.add("'" + p.names(prefix).query() + TensorNames.WEIGHT + "' (--preset " + p.label() + ")");
            }
            String close = String.join(", ", closeNames(source));
            return new IllegalArgumentException("--weights " + weights + " has no attention weights under --prefix '"
                    + prefix + "': looked for " + String.join(" and ", looked)
                    + (close.isEmpty() ? "" : "; close names: " + close));
        });
    }

    /**
     * When the chosen preset's query weight is missing but the other preset's exists under the
     * prefix, says so: the likely fix is the other --preset.
     */
    private void requireQueryWeight(TensorSource source, NamingPreset names) {
        String query = names.names(prefix).query() + TensorNames.WEIGHT;
        if (source.contains(query)) {
            return;
        }
        AttentionWeightsLoader.detect(source, prefix).ifPresent(other -> {
            throw new IllegalArgumentException("tensor '" + query + "' not found in " + weights + ", which has the"
                    + " names of --preset " + other.label() + " under --prefix '" + prefix + "'");
        });
    }

    /** Names close to either preset's query weight, at most five. */
    private List<String> closeNames(TensorSource source) {
        List<String> close = new ArrayList<>();
        for (NamingPreset p : NamingPreset.values()) {
            for (String name : AttentionWeightsLoader.closeNames(p.names(prefix).query() + TensorNames.WEIGHT, source)) {
                if (!close.contains(name) && close.size() < MAX_CLOSE_NAMES) {
                    close.add(name);
                }
            }
        }
        return close;
    }
}
