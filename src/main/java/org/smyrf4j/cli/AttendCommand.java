package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.BoolTensor;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attend}: reads Q, K, V (and optionally a key mask and the projections) from .npy files,
 * computes attention and writes the output. One summary line goes to stderr: backend and why,
 * shape, mode, time.
 */
@Command(name = "attend", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Computes attention on .npy files and writes the output as float32 .npy.",
            "Q (B, Nq, d), K (B, Nk, d), V (B, Nk, dv) -> out (B, Nq, dv); or, for B = 1,"
                    + " Q (Nq, d), K (Nk, d), V (Nk, dv) -> out (Nq, dv)."})
final class AttendCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = "--q", required = true, paramLabel = "Q.npy", description = "Queries, float32 (B, Nq, d) or (Nq, d).")
    private Path q;

    @Option(names = "--k", required = true, paramLabel = "K.npy", description = "Keys, float32 (B, Nk, d) or (Nk, d).")
    private Path k;

    @Option(names = "--v", required = true, paramLabel = "V.npy", description = "Values, float32 (B, Nk, dv) or (Nk, dv).")
    private Path v;

    @Option(names = "--out", required = true, paramLabel = "O.npy", description = "Output file, float32 (B, Nq, dv) or (Nq, dv).")
    private Path out;

    @Option(names = "--key-valid", paramLabel = "M.npy",
            description = "Key validity mask, uint8 or bool (B, Nk); 0 marks a padded key. With Nq == Nk it masks the"
                    + " matching queries too.")
    private Path keyValid;

    @Option(names = "--projections", paramLabel = "A.npy",
            description = "LSH projections, float32 (d+2, H); sets the number of hashes H. Default: drawn from --seed.")
    private Path projections;

    @Option(names = "--hashes", paramLabel = "H", description = "Hash rounds (default: "
            + AttentionConfig.DEFAULT_HASHES + ", or the columns of --projections).")
    private Integer hashes;

    @Option(names = "--query-cluster", paramLabel = "C", description = "Query cluster size Cq (default: "
            + ClusterPlan.DEFAULT_CLUSTER_SIZE + ", or derived from --key-cluster so the cluster counts agree).")
    private Integer queryCluster;

    @Option(names = "--key-cluster", paramLabel = "C",
            description = "Key cluster size Ck (default: derived so Nq/Cq == Nk/Ck).")
    private Integer keyCluster;

    @Option(names = "--scale", paramLabel = "S", description = "Logit scale (default: 1/sqrt(d)).")
    private Float scale;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the projections when --projections is absent"
            + " (default: ${DEFAULT-VALUE}).")
    private long seed = AttentionConfig.DEFAULT_SEED;

    @Option(names = "--mode", paramLabel = "smyrf|dense|auto", converter = ModeConverter.class,
            description = "smyrf (default), dense (exact), or auto (dense when H*Ck >= Nk).")
    private Mode mode = Mode.SMYRF;

    @Mixin
    private BackendOption backend;

    @Override
    public Integer call() {
        requirePositive("--hashes", hashes);
        requirePositive("--query-cluster", queryCluster);
        requirePositive("--key-cluster", keyCluster);
        if (scale != null && !(Float.isFinite(scale) && scale > 0f)) {
            throw new IllegalArgumentException("--scale must be finite and > 0, got " + scale);
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out must be a file, got the folder " + out);
        }
        AttendTensors tensors = AttendTensors.of(
                NpyArrays.readFloat("--q", q),
                NpyArrays.readFloat("--k", k),
                NpyArrays.readFloat("--v", v),
                keyValid == null ? null : NpyArrays.readMask("--key-valid", keyValid));
        AttentionShape shape = tensors.shape();
        AttentionConfig config = config(shape);
        // Resolve before any engine starts, so cluster sizes that cannot agree fail fast.
        ClusterPlan plan = mode == Mode.DENSE ? null : plan(config, shape);
        Mode resolved = config.resolveMode(shape.queryLen(), shape.keyLen());
        if (resolved != Mode.SMYRF) {
            plan = null;
        }

        try (AttentionEngine engine = backend.open()) {
            long start = System.nanoTime();
            float[] output = engine.attend(config, tensors.inputs());
            double millis = (System.nanoTime() - start) / 1e6;
            NpyArrays.writeFloat(out, output, tensors.outputShape());
            PrintWriter err = spec.commandLine().getErr();
            err.println(summary(engine, shape, config, resolved, plan, millis));
            err.flush();
        }
        return Main.EXIT_OK;
    }

    /** The configuration from the options; the projections file, when given, fixes H. */
    private AttentionConfig config(AttentionShape shape) {
        AttentionConfig.Builder builder = AttentionConfig.builder().mode(mode).seed(seed);
        if (projections != null) {
            FloatTensor a = NpyArrays.readFloat("--projections", projections);
            int rows = shape.dim() + 2;
            if (a.rank() != 2 || a.shape()[0] != rows || a.shape()[1] <= 0) {
                throw new IllegalArgumentException("--projections must be (dim+2, hashes) = (" + rows
                        + ", H) for dim " + shape.dim() + " of --q, got " + a.shapeText());
            }
            int columns = a.shape()[1];
            if (hashes != null && hashes != columns) {
                throw new IllegalArgumentException("--hashes " + hashes + " conflicts with --projections "
                        + projections + ", which has " + columns + " columns (one per hash)");
            }
            builder.projections(a.data(), columns);
        } else if (hashes != null) {
            builder.hashes(hashes);
        }
        if (queryCluster != null) {
            builder.queryClusterSize(queryCluster);
        }
        if (keyCluster != null) {
            builder.keyClusterSize(keyCluster);
        }
        if (scale != null) {
            builder.scale(scale);
        }
        return builder.build();
    }

    /** The cluster layout, with the options named when the cluster counts cannot agree. */
    private static ClusterPlan plan(AttentionConfig config, AttentionShape shape) {
        try {
            return config.plan(shape.queryLen(), shape.keyLen());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--query-cluster/--key-cluster: " + e.getMessage(), e);
        }
    }

    private static String summary(AttentionEngine engine, AttentionShape s, AttentionConfig config, Mode resolved,
            ClusterPlan plan, double millis) {
        String modeText = (config.mode() == Mode.AUTO ? "auto->" : "") + resolved.name().toLowerCase(Locale.ROOT);
        if (plan != null) {
            modeText += " H=" + config.hashes() + " Cq=" + plan.queryClusterSize() + " Ck=" + plan.keyClusterSize()
                    + " (" + plan.clusters() + (plan.clusters() == 1 ? " cluster)" : " clusters)");
        }
        return String.format(Locale.ROOT, "attend: %s; B=%d Nq=%d Nk=%d d=%d dv=%d; %s; %.1f ms",
                engine.choice(), s.batch(), s.queryLen(), s.keyLen(), s.dim(), s.valueDim(), modeText, millis);
    }

    private static void requirePositive(String option, Integer value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(option + " must be > 0, got " + value);
        }
    }
}
