package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code run} (what {@code make run} starts): the embedded golden case {@code base} checked
 * against the reference, then a long synthetic sequence, SMYRF against dense, on the best
 * backend. Prints a table of time, error against dense and attention working memory.
 * Exits 1 when the golden check fails.
 */
@Command(name = "run", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Runs the embedded golden case 'base' (SMYRF vs the reference output) and a synthetic sequence"
                    + " (SMYRF vs dense), and prints time, error and memory.",
            "Exits 1 when SMYRF does not reproduce the golden case."})
final class RunCommand implements Callable<Integer> {

    static final int DEFAULT_TOKENS = 16_384;
    static final int SYNTHETIC_DIM = 64;
    static final int SYNTHETIC_HASHES = 4;
    static final int SYNTHETIC_CLUSTER = 128;
    static final long SYNTHETIC_SEED = 2020L;
    /** Small enough to be quick, large enough that the JIT compiles the inner loops before timing. */
    static final int WARM_UP_TOKENS = 1024;
    /** shared/golden/README.md: a faithful float32 engine matches a row to 1e-4 (max abs difference). */
    static final double GOLDEN_ROW_TOLERANCE = 1e-4;
    /**
     * shared/golden/README.md: at least 99.5% of rows; the rest may differ where hash values tie
     * to float rounding at a cluster boundary.
     */
    static final double GOLDEN_MIN_ROWS = 0.995;
    private static final int STEPS = 7;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @ParentCommand
    private Main parent;

    @Option(names = "--tokens", paramLabel = "N", description = "Length of the synthetic sequence (default: ${DEFAULT-VALUE}).")
    private int tokens = DEFAULT_TOKENS;

    @Option(names = "--heads", paramLabel = "B", description = "Batch rows (heads) of the synthetic sequence (default: ${DEFAULT-VALUE}).")
    private int heads = 1;

    @Mixin
    private BackendOption backend;

    @Override
    public Integer call() {
        if (tokens <= 0) {
            throw new IllegalArgumentException("--tokens must be > 0, got " + tokens);
        }
        if (heads <= 0) {
            throw new IllegalArgumentException("--heads must be > 0, got " + heads);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ResultTable.Row> rows = new ArrayList<>();
        OutputComparison golden;
        double syntheticDenseScale;
        EmbeddedGoldenCase base;
        float[] baseSmyrf;
        String choice;
        try (AttentionEngine engine = backend.open();
                Progress progress = Progress.open("smyrf4j run", STEPS, err, parent.errIsTerminal())) {
            choice = engine.choice().toString();
            progress.start("loading the golden case " + EmbeddedGoldenCase.DEFAULT_CASE);
            base = EmbeddedGoldenCase.load(EmbeddedGoldenCase.DEFAULT_CASE);
            AttentionShape bs = base.inputs().shape();
            String baseName = caseName(base.name(), bs);

            progress.start("warming up");
            warmUp(engine);

            progress.start(base.name() + ": smyrf");
            Timed smyrf = Timed.attend(engine, base.smyrf(), base.inputs());
            baseSmyrf = smyrf.output;
            golden = OutputComparison.of(smyrf.output, base.reference(), bs.valueDim(), GOLDEN_ROW_TOLERANCE,
                    base::countsRow);
            rows.add(new ResultTable.Row(baseName, engine.backend(), Mode.SMYRF, smyrf.millis,
                    meanAbsError(smyrf.output, base.dense(), bs.valueDim(), base),
                    WorkingMemory.smyrf(bs, base.smyrf().hashes(), base.smyrf().plan(bs.queryLen(), bs.keyLen()))));

            progress.start(base.name() + ": dense");
            Timed dense = Timed.attend(engine, base.denseConfig(), base.inputs());
            rows.add(new ResultTable.Row(baseName, engine.backend(), Mode.DENSE, dense.millis,
                    meanAbsError(dense.output, base.dense(), bs.valueDim(), base), WorkingMemory.dense(bs)));

            progress.start("synthetic: generating " + tokens + " tokens");
            AttentionInputs synthetic = SyntheticSequence.generate(SYNTHETIC_SEED, heads, tokens, SYNTHETIC_DIM,
                    SYNTHETIC_DIM);
            AttentionShape ss = synthetic.shape();
            String syntheticName = caseName("synthetic", ss);

            progress.start("synthetic: smyrf");
            AttentionConfig smyrfConfig = syntheticConfig(Mode.SMYRF);
            Timed syntheticSmyrf = Timed.attend(engine, smyrfConfig, synthetic);

            progress.start("synthetic: dense");
            Timed syntheticDense = Timed.attend(engine, syntheticConfig(Mode.DENSE), synthetic);
            ClusterPlan plan = smyrfConfig.plan(ss.queryLen(), ss.keyLen());
            syntheticDenseScale = meanAbs(syntheticDense.output);
            rows.add(new ResultTable.Row(syntheticName, engine.backend(), Mode.SMYRF, syntheticSmyrf.millis,
                    OutputComparison.of(syntheticSmyrf.output, syntheticDense.output, ss.valueDim(), 0).meanAbsError(),
                    WorkingMemory.smyrf(ss, smyrfConfig.hashes(), plan)));
            rows.add(new ResultTable.Row(syntheticName, engine.backend(), Mode.DENSE, syntheticDense.millis, 0.0,
                    WorkingMemory.dense(ss)));
        }

        out.println("backend: " + choice);
        out.println();
        ResultTable.print(out, rows);
        out.println();
        out.println("time (ms)     one call each after a warm-up; host arrays in and out");
        out.println("MAE vs dense  mean |out - dense| per element: " + base.name() + " against the reference's float64");
        out.printf(Locale.ROOT, "              dense.npy, synthetic against this run's dense output (mean |value| %.3g)%n",
                syntheticDenseScale);
        out.println("memory        attention working memory, estimated: smyrf 4 B x H x B x (Nq' Ck + Nq (dv+1)");
        out.println("              + 2 (Nq' + Nk')) = O(H N (C + dv)); dense the B x Nq x Nk float32 score matrix");
        out.println("              a plain implementation would hold = O(N^2)");
        Runtime runtime = Runtime.getRuntime();
        out.println("JVM heap in use at the end: " + WorkingMemory.text(runtime.totalMemory() - runtime.freeMemory())
                + " of " + WorkingMemory.text(runtime.maxMemory()) + " max");
        boolean passed = golden.fractionWithin() >= GOLDEN_MIN_ROWS;
        String check = String.format(Locale.ROOT, "golden check (%s): SMYRF within %.0e of the reference in %d/%d rows"
                + " (%.2f%%, need %.1f%%), max diff %.2e", base.name(), GOLDEN_ROW_TOLERANCE, golden.rowsWithin(),
                golden.rowsCounted(), 100 * golden.fractionWithin(), 100 * GOLDEN_MIN_ROWS, golden.maxAbsError());
        out.println(check + (passed ? ": ok" : ": FAILED"));
        out.flush();
        if (!passed) {
            err.println("error: " + check + firstMismatch(golden, baseSmyrf, base));
            err.flush();
            return Main.EXIT_FAILURE;
        }
        return Main.EXIT_OK;
    }

    private AttentionConfig syntheticConfig(Mode mode) {
        return AttentionConfig.builder().mode(mode).hashes(SYNTHETIC_HASHES).clusterSize(Math.min(SYNTHETIC_CLUSTER, tokens))
                .seed(SYNTHETIC_SEED).build();
    }

    /** One SMYRF and one dense call on a small sequence, so the timed calls run compiled code. */
    private static void warmUp(AttentionEngine engine) {
        AttentionInputs small = SyntheticSequence.generate(1L, 1, WARM_UP_TOKENS, SYNTHETIC_DIM, SYNTHETIC_DIM);
        for (Mode mode : new Mode[] {Mode.SMYRF, Mode.DENSE}) {
            engine.attend(AttentionConfig.builder().mode(mode).hashes(SYNTHETIC_HASHES)
                    .clusterSize(SYNTHETIC_CLUSTER).build(), small);
        }
    }

    private static double meanAbsError(float[] output, float[] dense, int width, EmbeddedGoldenCase c) {
        return OutputComparison.of(output, dense, width, 0, c::countsRow).meanAbsError();
    }

    private static double meanAbs(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += Math.abs(value);
        }
        return sum / values.length;
    }

    private static String caseName(String name, AttentionShape s) {
        return name + " B=" + s.batch() + " N=" + s.queryLen();
    }

    private static String firstMismatch(OutputComparison c, float[] output, EmbeddedGoldenCase base) {
        if (c.firstBad() < 0) {
            return "";
        }
        AttentionShape s = base.inputs().shape();
        int i = c.firstBad();
        int row = i / s.valueDim();
        return String.format(Locale.ROOT, "; first mismatch at (b=%d, i=%d, c=%d): got %s, reference %s",
                row / s.queryLen(), row % s.queryLen(), i % s.valueDim(), output[i], base.reference()[i]);
    }

    /** An output and how long the call took. */
    private record Timed(float[] output, double millis) {
        static Timed attend(AttentionEngine engine, AttentionConfig config, AttentionInputs inputs) {
            long start = System.nanoTime();
            float[] output = engine.attend(config, inputs);
            return new Timed(output, (System.nanoTime() - start) / 1e6);
        }
    }
}
