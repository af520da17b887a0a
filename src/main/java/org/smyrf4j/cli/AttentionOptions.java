package org.smyrf4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.cuda.CudaEngine;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import picocli.CommandLine.Option;

/**
 * The attention options shared by the commands that compute attention ({@code attend},
 * {@code layer}): mode, hashes, cluster sizes, scale, seed and projections, turned into an
 * {@link AttentionConfig} for a head dimension.
 */
final class AttentionOptions {

    @Option(names = "--projections", paramLabel = "A.npy",
            description = "LSH projections, float32 (d+2, H); sets the number of hashes H. Default: drawn from --seed.")
    Path projections;

    @Option(names = "--hashes", paramLabel = "H", description = "Hash rounds (default: "
            + AttentionConfig.DEFAULT_HASHES + ", or the columns of --projections).")
    Integer hashes;

    @Option(names = "--query-cluster", paramLabel = "C", description = "Query cluster size Cq (default: "
            + ClusterPlan.DEFAULT_CLUSTER_SIZE + ", or derived from --key-cluster so the cluster counts agree).")
    Integer queryCluster;

    @Option(names = "--key-cluster", paramLabel = "C",
            description = "Key cluster size Ck (default: derived so Nq/Cq == Nk/Ck).")
    Integer keyCluster;

    @Option(names = "--scale", paramLabel = "S", description = "Logit scale (default: 1/sqrt(d)).")
    Float scale;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the projections when --projections is absent"
            + " (default: ${DEFAULT-VALUE}).")
    long seed = AttentionConfig.DEFAULT_SEED;

    @Option(names = "--mode", paramLabel = "smyrf|dense|auto", converter = ModeConverter.class,
            description = "smyrf (default), dense (exact), or auto (dense when H*Ck >= Nk).")
    Mode mode = Mode.SMYRF;

    @Option(names = "--global-keys", paramLabel = "P", split = ",",
            description = "Global key positions seen by every query in every round (SPEC Extensions); negative"
                    + " ones count back from the last valid key, e.g. 0,-1 ([CLS] and [SEP] in BERT).")
    int[] globalKeys;

    @Option(names = "--union-rounds", description = "Union softmax across rounds (SPEC Extensions): a key that"
            + " shares a cluster with the query in several rounds counts once.")
    boolean unionRounds;

    @Option(names = "--local-window", paramLabel = "W", description = "Also attend to the keys within W positions"
            + " of the query, as one more round (self-attention only; docs/kernels.md, \"Local window\"). Default: 0, off.")
    int localWindow;

    /** What runs for one shape: the resolved mode, and the cluster plan when it is SMYRF. */
    record Resolved(AttentionConfig config, Mode mode, ClusterPlan plan) {
        /** "smyrf H=4 Cq=64 Ck=64 (16 clusters)", "dense" or "auto->dense". */
        String text() {
            String text = (config.mode() == Mode.AUTO ? "auto->" : "") + mode.name().toLowerCase(Locale.ROOT);
            if (plan != null) {
                text += " H=" + config.hashes() + " Cq=" + plan.queryClusterSize() + " Ck=" + plan.keyClusterSize()
                        + " (" + plan.clusters() + (plan.clusters() == 1 ? " cluster)" : " clusters)");
                if (config.hasGlobalKeys()) {
                    text += " global keys " + java.util.Arrays.toString(config.globalKeys());
                }
                if (config.localWindow() > 0) {
                    text += " window " + config.localWindow();
                }
                if (config.unionRounds()) {
                    text += " union softmax";
                }
            }
            return text;
        }

        /**
         * On the CUDA engine in SMYRF mode, the kernel of the hash rounds for head dims
         * {@code dim}, {@code valueDim}: "; hash rounds on tensor cores (3xTF32)" or "... on CUDA
         * cores (float32)" (always CUDA cores with global keys or the union softmax, whose kernels
         * have no tensor-core variant); else "".
         */
        String kernelText(AttentionEngine engine, int dim, int valueDim) {
            if (mode != Mode.SMYRF || !(engine.backendEngine() instanceof CudaEngine cuda)) {
                return "";
            }
            if (config.hasGlobalKeys() || config.unionRounds()) {
                return "; hash rounds on CUDA cores (float32; the extension kernels)";
            }
            return "; hash rounds on " + cuda.attentionKernel(dim, valueDim).shortText();
        }
    }

    /**
     * Checks the values that need no input files (sizes > 0, a finite positive scale).
     *
     * @throws IllegalArgumentException naming the option and its value
     */
    void validate() {
        requirePositive("--hashes", hashes);
        requirePositive("--query-cluster", queryCluster);
        requirePositive("--key-cluster", keyCluster);
        if (localWindow < 0) {
            throw new IllegalArgumentException("--local-window must be >= 0 (0: off), got " + localWindow);
        }
        if (scale != null && !(Float.isFinite(scale) && scale > 0f)) {
            throw new IllegalArgumentException("--scale must be finite and > 0, got " + scale);
        }
    }

    /**
     * The configuration for head dimension {@code dim}; the projections file, when given, fixes H.
     *
     * @param dimSource where dim comes from, for errors (e.g. "dim 64 of --q")
     */
    AttentionConfig config(int dim, String dimSource) {
        AttentionConfig.Builder builder = AttentionConfig.builder().mode(mode).seed(seed);
        if (projections != null) {
            FloatTensor a = NpyArrays.readFloat("--projections", projections);
            int rows = dim + 2;
            if (a.rank() != 2 || a.shape()[0] != rows || a.shape()[1] <= 0) {
                throw new IllegalArgumentException("--projections must be (dim+2, hashes) = (" + rows
                        + ", H) for " + dimSource + ", got " + a.shapeText());
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
        if (globalKeys != null) {
            builder.globalKeys(globalKeys);
        }
        builder.unionRounds(unionRounds).localWindow(localWindow);
        return builder.build();
    }

    /**
     * What runs for these lengths, checked before any engine starts so that cluster sizes that
     * cannot agree fail fast, with the options named.
     */
    static Resolved resolve(AttentionConfig config, int queryLen, int keyLen) {
        ClusterPlan plan = null;
        if (config.mode() != Mode.DENSE) {
            try {
                plan = config.plan(queryLen, keyLen);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--query-cluster/--key-cluster: " + e.getMessage(), e);
            }
        }
        Mode resolved = config.resolveMode(queryLen, keyLen);
        if (resolved == Mode.SMYRF) {
            try {
                config.requireWindowFits(queryLen, keyLen);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--local-window: " + e.getMessage(), e);
            }
        }
        return new Resolved(config, resolved, resolved == Mode.SMYRF ? plan : null);
    }

    private static void requirePositive(String option, Integer value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(option + " must be > 0, got " + value);
        }
    }
}
