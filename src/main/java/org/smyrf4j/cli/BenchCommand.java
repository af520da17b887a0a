package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.BackendKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code bench}: SMYRF and dense attention timed over a sweep of sequence lengths, hash rounds
 * and cluster sizes on one backend; a table on stdout, optionally a CSV and a log-log plot.
 *
 * <p>Per length: a few input sets are generated ({@link SyntheticSequence}, the structured
 * inputs of {@code run}) and loaded; dense runs first where {@link DenseBudget} says it fits,
 * then every SMYRF configuration. Each case gets {@code --warmup} untimed calls and
 * {@code --repeats} timed ones, rotating through the input sets; median, min and max come from
 * Apache Commons Math. The error is mean |SMYRF - dense| on input set 0. On the CUDA engine
 * {@code --tensor-cores on|both} times SMYRF on the tensor-core cluster attention too (rows of
 * mode {@code smyrf-tc}), each case right after its CUDA-core twin with {@code both}.
 */
@Command(name = "bench", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Times SMYRF and dense attention over a sweep of sequence lengths, hash rounds and cluster sizes:"
                    + " median, min and max time, peak memory, and SMYRF's mean absolute error against dense.",
            "Dense runs only where its estimated time fits --dense-budget (its cost grows as N^2)."})
final class BenchCommand implements Callable<Integer> {

    static final List<Integer> DEFAULT_HASHES = List.of(4, 8);
    static final List<Integer> DEFAULT_CLUSTERS = List.of(64, 128);
    static final int DEFAULT_BATCH = 8;
    static final int DEFAULT_DIM = 64;
    static final int DEFAULT_REPEATS = 5;
    static final int DEFAULT_WARMUP = 2;
    static final double DEFAULT_DENSE_BUDGET_SECONDS = 60;
    /** Seed of input set 0; set s uses SEED + s. */
    static final long SEED = 4096L;
    /** The input sets of one length together hold at least this much (beyond any L2 or L3 cache)... */
    static final long ROTATION_BYTES = 256L << 20;
    /** ...with at least this many sets and at most this many (never more than the calls of a case). */
    static final int MIN_SETS = 3;
    static final int MAX_SETS = 16;
    /** The warm-up before the sweep: short enough to be quick, long enough to compile the hot loops. */
    static final int WARM_UP_TOKENS = 1024;
    static final double WARM_UP_MILLIS = 2000;
    static final int WARM_UP_MIN_ROUNDS = 3;
    /** XChart draws with AWT. */
    static final String CHARTS_MODULE = "java.desktop";

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Main parent;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Mixin
    private BackendOption backendOption;

    @Option(names = "--lengths", paramLabel = "N", split = ",", converter = SizeConverter.class,
            description = "Sequence lengths, e.g. 1024,4k,16k (k = 1024). Default: 1k,2k,4k,8k,16k on the CPU,"
                    + " up to 64k on a GPU.")
    private List<Integer> lengths;

    @Option(names = "--hashes", paramLabel = "H", split = ",", converter = SizeConverter.class,
            description = "Hash rounds of SMYRF (default: 4,8).")
    private List<Integer> hashes;

    @Option(names = "--cluster", paramLabel = "C", split = ",", converter = SizeConverter.class,
            description = "Cluster sizes of SMYRF, queries and keys alike (default: 64,128).")
    private List<Integer> clusters;

    @Option(names = "--batch", paramLabel = "B", description = "Batch rows, i.e. batch x heads (default: ${DEFAULT-VALUE}).")
    private int batch = DEFAULT_BATCH;

    @Option(names = "--dim", paramLabel = "D", description = "Head dimension of Q, K and V (default: ${DEFAULT-VALUE}).")
    private int dim = DEFAULT_DIM;

    @Option(names = "--repeats", paramLabel = "N", description = "Timed calls per case (default: ${DEFAULT-VALUE}).")
    private int repeats = DEFAULT_REPEATS;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed calls per case before those (default: ${DEFAULT-VALUE}).")
    private int warmup = DEFAULT_WARMUP;

    @Option(names = "--dense-budget", paramLabel = "SECONDS", description = "Run dense only where its estimated"
            + " time for the case (warm-up and timed calls) is at most this (default: ${DEFAULT-VALUE}).")
    private double denseBudget = DEFAULT_DENSE_BUDGET_SECONDS;

    @Option(names = "--tensor-cores", paramLabel = "off|on|both", converter = TensorCoreRowsConverter.class,
            description = "CUDA only: SMYRF's plain hash rounds on CUDA cores (off, the default), on the"
                    + " tensor-core kernel (on, rows of mode smyrf-tc; 3xTF32, correct but slower on an H100), or both,"
                    + " each case twice. Whatever -Dsmyrf4j.cuda.tensorCores says.")
    private TensorCoreRows tensorCores = TensorCoreRows.OFF;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the results as CSV: " + BenchCsv.HEADER + ".")
    private Path csv;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw median time against length, log-log,"
            + " one line per configuration, as a PNG.")
    private Path plot;

    /** Which kernels the SMYRF cases run on: CUDA cores, tensor cores, or each case on both. */
    enum TensorCoreRows {
        OFF(List.of(false)), ON(List.of(true)), BOTH(List.of(false, true));

        private final List<Boolean> kernels;

        TensorCoreRows(List<Boolean> kernels) {
            this.kernels = kernels;
        }

        /** Per SMYRF case, whether each of its runs is on tensor cores, in order. */
        List<Boolean> kernels() { return kernels; }
    }

    /** Parses off, on or both, case-insensitively, with a message that lists them. */
    static final class TensorCoreRowsConverter implements ITypeConverter<TensorCoreRows> {
        @Override
        public TensorCoreRows convert(String value) {
            for (TensorCoreRows rows : TensorCoreRows.values()) {
                if (rows.name().equalsIgnoreCase(value.trim())) {
                    return rows;
                }
            }
            throw new TypeConversionException("--tensor-cores must be off, on or both, got '"
                    + value.trim().toLowerCase(Locale.ROOT) + "'");
        }
    }

    @Override
    public Integer call() {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Integer> hashList = hashes != null ? hashes : DEFAULT_HASHES;
        List<Integer> clusterList = clusters != null ? clusters : DEFAULT_CLUSTERS;
        List<BenchResult> results = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        String description;
        String memoryMeaning;
        String floorMeaning;
        String name;
        try (BenchBackend backend = open()) {
            DenseBudget budget = new DenseBudget(denseBudget, backend.assumedDenseFlopsPerSecond());
            backend.requireDim(dim);
            if (tensorCores != TensorCoreRows.OFF) {
                backend.requireTensorCores(dim);
            }
            List<Integer> lengthList = lengths != null ? lengths : backend.defaultLengths();
            requireShapes(lengthList);
            int smyrfCases = hashList.size() * clusterList.size() * tensorCores.kernels().size();
            int steps = 1 + lengthList.size() * (2 + smyrfCases);
            int calls = warmup + repeats;
            try (Progress progress = Progress.open("smyrf4j bench", steps, err, parent.errIsTerminal())) {
                progress.start("warming up");
                warmUp(backend, hashList.get(0), clusterList.get(0));
                for (int n : lengthList) {
                    progress.start("N=" + n + ": generating input sets");
                    backend.load(inputSets(n, setCount(n, calls)));
                    BenchCase dense = BenchCase.dense(batch, n, dim);
                    progress.start(dense.text());
                    float[] reference = null;
                    if (budget.fits(dense, calls)) {
                        BenchBackend.Measurement m = backend.measure(dense, warmup, repeats);
                        BenchResult r = BenchResult.of(dense, backend.name(), m.millis(), m.peakBytes(), Double.NaN,
                                Double.NaN);
                        budget.observe(dense, r.medianMs());
                        results.add(r);
                        writeCsvSoFar(results);
                        reference = m.output();
                    } else {
                        skipped.add(budget.skipReason(dense, calls));
                    }
                    for (int h : hashList) {
                        for (int c : clusterList) {
                            for (boolean onTensorCores : tensorCores.kernels()) {
                                BenchCase smyrf = BenchCase.smyrf(batch, n, dim, h, c).withTensorCores(onTensorCores);
                                progress.start(smyrf.text());
                                BenchBackend.Measurement m = backend.measure(smyrf, warmup, repeats);
                                double error = reference == null ? Double.NaN
                                        : OutputComparison.of(m.output(), reference, dim, 0).meanAbsError();
                                results.add(BenchResult.of(smyrf, backend.name(), m.millis(), m.peakBytes(), error,
                                        backend.floorMillis(smyrf)));
                                writeCsvSoFar(results);
                            }
                        }
                    }
                }
            }
            name = backend.name();
            description = backend.description();
            memoryMeaning = backend.memoryMeaning();
            floorMeaning = backend.floorMeaning();
        }

        out.println("bench on " + description);
        out.println();
        BenchTable.print(out, results, floorMeaning != null);
        out.println();
        out.printf(Locale.ROOT, "time: %d timed calls per case after %d untimed, each on the next of the rotating"
                + " input sets; median, min, max%n", repeats, warmup);
        out.println(memoryMeaning);
        out.println("MAE vs dense: mean |smyrf - dense| over every output element of input set 0");
        if (tensorCores != TensorCoreRows.OFF) {
            out.println("smyrf-tc: SMYRF with its plain hash rounds on the tensor-core kernel (3xTF32), whatever the"
                    + " engine's own tensor-core setting; smyrf: on CUDA cores");
        }
        if (floorMeaning != null) {
            out.println(floorMeaning);
        }
        skipped.forEach(line -> out.println("note: " + line));
        if (csv != null) {
            BenchCsv.write(csv, results);
            out.println("csv: " + csv);
        }
        if (plot != null) {
            BenchPlot.write(plot, String.format(Locale.ROOT, "smyrf4j bench: %s, B=%d, d=%d", name, batch, dim),
                    results);
            out.println("plot: " + plot);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** The CSV after every case, so that a sweep cut short (a time limit) keeps its rows. */
    private void writeCsvSoFar(List<BenchResult> results) {
        if (csv != null) {
            BenchCsv.write(csv, results);
        }
    }

    /** Checks every option that needs no engine, naming the option and its value. */
    private void validate() {
        requireAllPositive("--lengths", lengths);
        requireAllPositive("--hashes", hashes);
        requireAllPositive("--cluster", clusters);
        requirePositive("--batch", batch);
        requirePositive("--dim", dim);
        requirePositive("--repeats", repeats);
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        new DenseBudget(denseBudget);
        if (lengths != null) {
            requireShapes(lengths);
        }
        requireWritable("--csv", csv);
        requireWritable("--plot", plot);
        if (plot != null && !plot.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("--plot must name a .png file, got '" + plot + "'");
        }
        if (plot != null && ModuleLayer.boot().findModule(CHARTS_MODULE).isEmpty()) {
            // e.g. the jlink runtime of `make bundle`: say so before the sweep, not after it.
            throw new IllegalArgumentException("--plot needs the module " + CHARTS_MODULE
                    + ", which this Java runtime lacks; use --csv and plot elsewhere");
        }
    }

    private void requireShapes(List<Integer> lengthList) {
        for (int n : lengthList) {
            try {
                new AttentionShape(batch, n, n, dim, dim);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--batch " + batch + " x --lengths " + n + " x --dim " + dim
                        + " is too large: " + e.getMessage(), e);
            }
        }
    }

    private BenchBackend open() {
        AttentionEngine engine = backendOption.open();
        return engine.backend() == BackendKind.CUDA ? new CudaBench(engine) : new CpuBench(engine);
    }

    /**
     * Small SMYRF and dense cases, repeated for {@link #WARM_UP_MILLIS}, so that the first real
     * case runs compiled code and does not share the CPU with the engine's own background
     * kernel warm-up (about a second of one thread on a cold JVM, longer on a busy machine).
     */
    private void warmUp(BenchBackend backend, int firstHashes, int firstCluster) {
        backend.load(List.of(SyntheticSequence.generate(SEED - 1, 1, WARM_UP_TOKENS, dim, dim)));
        BenchCase smyrf = BenchCase.smyrf(1, WARM_UP_TOKENS, dim, firstHashes, Math.min(firstCluster, WARM_UP_TOKENS));
        BenchCase dense = BenchCase.dense(1, WARM_UP_TOKENS, dim);
        long start = System.nanoTime();
        for (int round = 0; round < WARM_UP_MIN_ROUNDS || (System.nanoTime() - start) / 1e6 < WARM_UP_MILLIS;
                round++) {
            // Every kernel the sweep runs, so none pays its first launch in a timed case.
            for (boolean onTensorCores : tensorCores.kernels()) {
                backend.measure(smyrf.withTensorCores(onTensorCores), 0, 1);
            }
            backend.measure(dense, 0, 1);
        }
    }

    /** How many input sets a length gets: ROTATION_BYTES in all, within [MIN_SETS, MAX_SETS], at most one per call. */
    int setCount(int length, int calls) {
        long setBytes = 4L * batch * length * 3 * dim;
        long wanted = Math.max(MIN_SETS, Math.min(MAX_SETS, (ROTATION_BYTES + setBytes - 1) / setBytes));
        return (int) Math.min(wanted, calls);
    }

    /**
     * The sets in parallel, each from its own seed, so they are the same sets either way: at
     * 16 x 64k tokens one set is 200M gaussians, seconds of one thread.
     */
    private List<AttentionInputs> inputSets(int length, int count) {
        return IntStream.range(0, count).parallel()
                .mapToObj(s -> SyntheticSequence.generate(SEED + s, batch, length, dim, dim))
                .toList();
    }

    private static void requireAllPositive(String option, List<Integer> values) {
        if (values == null) {
            return;
        }
        for (int value : values) {
            requirePositive(option, value);
        }
    }

    private static void requirePositive(String option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be > 0, got " + value);
        }
    }

    /** The file's folder must exist, so that a long sweep does not end in an I/O error. */
    private static void requireWritable(String option, Path file) {
        if (file == null) {
            return;
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + file + ": folder " + folder + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a folder, not a file");
        }
    }
}
