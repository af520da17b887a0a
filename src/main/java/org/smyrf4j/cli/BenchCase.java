package org.smyrf4j.cli;

import java.util.Locale;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.Mode;

/**
 * One configuration the {@code bench} command times: self-attention of {@code batch} rows of
 * {@code length} tokens, head dimension {@code dim} for Q, K and V, SMYRF with {@code hashes}
 * rounds and clusters of {@code cluster} queries and keys, or dense (hashes and cluster 0).
 * {@code tensorCores}: SMYRF on the CUDA engine's tensor-core cluster attention (mode label
 * {@value #TENSOR_CORE_MODE}).
 */
record BenchCase(Mode mode, int batch, int length, int dim, int hashes, int cluster, boolean tensorCores) {

    /** The mode column of SMYRF rows on tensor cores. */
    static final String TENSOR_CORE_MODE = "smyrf-tc";

    /** The seed of the projections: fixed, so every run of the bench hashes alike. */
    static final long PROJECTION_SEED = 2020L;

    BenchCase {
        if (tensorCores && mode != Mode.SMYRF) {
            throw new IllegalArgumentException("tensor cores apply to SMYRF cases only, got " + mode);
        }
    }

    static BenchCase smyrf(int batch, int length, int dim, int hashes, int cluster) {
        return new BenchCase(Mode.SMYRF, batch, length, dim, hashes, cluster, false);
    }

    static BenchCase dense(int batch, int length, int dim) {
        return new BenchCase(Mode.DENSE, batch, length, dim, 0, 0, false);
    }

    /** This SMYRF case on the tensor-core kernel ({@code on}) or the CUDA-core one. */
    BenchCase withTensorCores(boolean on) {
        return new BenchCase(mode, batch, length, dim, hashes, cluster, on);
    }

    /** The CSV's and the table's mode: "dense", "smyrf" or "smyrf-tc". */
    String modeLabel() {
        return tensorCores ? TENSOR_CORE_MODE : mode.name().toLowerCase(Locale.ROOT);
    }

    boolean isDense() {
        return mode == Mode.DENSE;
    }

    AttentionShape shape() {
        return new AttentionShape(batch, length, length, dim, dim);
    }

    AttentionConfig config() {
        AttentionConfig.Builder builder = AttentionConfig.builder().mode(mode).seed(PROJECTION_SEED);
        return isDense() ? builder.build() : builder.hashes(hashes).clusterSize(cluster).build();
    }

    /**
     * Multiply-adds of the attention proper, counted as 2 flops each: logits and P x V,
     * {@code 2 B N M (d + dv)} with M = N keys per query for dense, H x C for SMYRF.
     */
    double attentionFlops() {
        double keysPerQuery = isDense() ? length : (double) hashes * Math.min(cluster, length);
        return 2.0 * batch * length * keysPerQuery * (dim + dim);
    }

    /** The line it draws in the plot: "dense", "smyrf H=4 C=128" or "smyrf-tc H=4 C=128". */
    String series() {
        return isDense() ? "dense" : String.format(Locale.ROOT, "%s H=%d C=%d", modeLabel(), hashes, cluster);
    }

    /** "smyrf B=8 N=4096 d=64 H=4 C=128" (or smyrf-tc) for progress and messages. */
    String text() {
        String sizes = String.format(Locale.ROOT, "B=%d N=%d d=%d", batch, length, dim);
        return isDense() ? "dense " + sizes
                : String.format(Locale.ROOT, "%s %s H=%d C=%d", modeLabel(), sizes, hashes, cluster);
    }
}
