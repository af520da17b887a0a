package org.smyrf4j;

import java.util.Arrays;
import java.util.Objects;

/**
 * What attention to compute, independent of the data: mode, hash rounds, cluster sizes, scale
 * and projections. Immutable and validated on construction; sizes that depend on the inputs
 * (cluster counts, projection rows) are checked against them by {@link #plan} and
 * {@link #projections(int)}.
 *
 * <pre>{@code
 * AttentionConfig cfg = AttentionConfig.builder().hashes(4).queryClusterSize(128).seed(7).build();
 * }</pre>
 */
public final class AttentionConfig {

    public static final int DEFAULT_HASHES = 4;
    public static final long DEFAULT_SEED = 0L;

    private final Mode mode;
    private final int hashes;
    private final Integer queryClusterSize;
    private final Integer keyClusterSize;
    private final Float scale;
    private final long seed;
    private final float[] projections;
    private final int[] globalKeys;
    private final boolean unionRounds;
    private final int localWindow;

    private AttentionConfig(Builder b) {
        this.mode = Objects.requireNonNull(b.mode, "mode");
        if (b.hashes <= 0) {
            throw new IllegalArgumentException("hashes must be > 0, got " + b.hashes);
        }
        this.hashes = b.hashes;
        if (b.queryClusterSize != null && b.queryClusterSize <= 0) {
            throw new IllegalArgumentException("queryClusterSize must be > 0, got " + b.queryClusterSize);
        }
        if (b.keyClusterSize != null && b.keyClusterSize <= 0) {
            throw new IllegalArgumentException("keyClusterSize must be > 0, got " + b.keyClusterSize);
        }
        this.queryClusterSize = b.queryClusterSize;
        this.keyClusterSize = b.keyClusterSize;
        if (b.scale != null && (!Float.isFinite(b.scale) || b.scale <= 0f)) {
            throw new IllegalArgumentException("scale must be finite and > 0, got " + b.scale);
        }
        this.scale = b.scale;
        this.seed = b.seed;
        if (b.projections != null) {
            if (b.projections.length == 0 || b.projections.length % hashes != 0) {
                throw new IllegalArgumentException("projections must hold (dim+2) x hashes = (dim+2) x "
                        + hashes + " values, got " + b.projections.length);
            }
            for (int i = 0; i < b.projections.length; i++) {
                if (!Float.isFinite(b.projections[i])) {
                    throw new IllegalArgumentException("projections must be finite, got "
                            + b.projections[i] + " at index " + i);
                }
            }
            this.projections = b.projections.clone();
        } else {
            this.projections = null;
        }
        this.globalKeys = b.globalKeys.clone();
        this.unionRounds = b.unionRounds;
        if (b.localWindow < 0) {
            throw new IllegalArgumentException("localWindow must be >= 0 (0: off), got " + b.localWindow);
        }
        this.localWindow = b.localWindow;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder().mode(mode).hashes(hashes).seed(seed);
        b.queryClusterSize = queryClusterSize;
        b.keyClusterSize = keyClusterSize;
        b.scale = scale;
        b.projections = projections == null ? null : projections.clone();
        b.globalKeys = globalKeys.clone();
        b.unionRounds = unionRounds;
        b.localWindow = localWindow;
        return b;
    }

    public Mode mode() { return mode; }

    public int hashes() { return hashes; }

    /** The configured query cluster size, or null when it is derived. */
    public Integer queryClusterSize() { return queryClusterSize; }

    /** The configured key cluster size, or null when it is derived. */
    public Integer keyClusterSize() { return keyClusterSize; }

    public long seed() { return seed; }

    /** True when the caller gave the projections instead of a seed. */
    public boolean hasExplicitProjections() { return projections != null; }

    /**
     * Global key positions (SPEC Extensions): keys every query sees in every round. A position
     * p >= 0 is key p; p < 0 counts back from the last valid key of the row (-1 = that key).
     * Empty (the default) for plain SMYRF. A fresh copy on every call.
     */
    public int[] globalKeys() { return globalKeys.clone(); }

    /** Whether any global key is configured. */
    public boolean hasGlobalKeys() { return globalKeys.length > 0; }

    /**
     * Union softmax across rounds (SPEC Extensions): logits get {@code -log(n_ij)}, n_ij the
     * rounds in which query i and key j share a cluster, so each key counts once. Off by default.
     */
    public boolean unionRounds() { return unionRounds; }

    /**
     * Local window w (an extension beyond SPEC.md, docs/kernels.md "Local window"): after the
     * hash rounds, one more round in which query i attends to the valid, non-global keys j with
     * {@code |i - j| <= w}; the union softmax counts it as one more key set. Self-attention only
     * (Nq == Nk). 0 (the default) switches it off.
     */
    public int localWindow() { return localWindow; }

    /** Whether any extension (global keys, union softmax, local window) is on. */
    public boolean hasExtensions() { return hasGlobalKeys() || unionRounds || localWindow > 0; }

    /**
     * Checks that the local window, when on, can serve these lengths.
     *
     * @throws IllegalArgumentException for a window on cross-attention (Nq != Nk)
     */
    public void requireWindowFits(int queryLen, int keyLen) {
        if (localWindow > 0 && queryLen != keyLen) {
            throw new IllegalArgumentException("localWindow " + localWindow + " needs self-attention (Nq == Nk),"
                    + " got Nq=" + queryLen + ", Nk=" + keyLen);
        }
    }

    /** The logit scale for head dimension {@code dim}: the configured one or 1/sqrt(dim). */
    public float scale(int dim) {
        return scale != null ? scale : (float) (1.0 / Math.sqrt(dim));
    }

    /** The cluster layout for these lengths (SPEC step 5). */
    public ClusterPlan plan(int queryLen, int keyLen) {
        return ClusterPlan.resolve(queryLen, keyLen, queryClusterSize, keyClusterSize);
    }

    /**
     * The mode that actually runs for these lengths: AUTO becomes DENSE when one round already
     * costs as much as the full key set ({@code H * Ck >= Nk}), else SMYRF.
     */
    public Mode resolveMode(int queryLen, int keyLen) {
        if (mode != Mode.AUTO) {
            return mode;
        }
        ClusterPlan plan = plan(queryLen, keyLen);
        return (long) hashes * plan.keyClusterSize() >= keyLen ? Mode.DENSE : Mode.SMYRF;
    }

    /**
     * The projections A, (dim+2) x hashes, row-major: the given ones, or standard normal values
     * drawn from the seed (see {@link Projections}). A fresh copy on every call.
     */
    public float[] projections(int dim) {
        int rows = dim + 2;
        if (projections == null) {
            return Projections.draw(seed, rows, hashes);
        }
        if (projections.length != rows * hashes) {
            throw new IllegalArgumentException("projections must be (dim+2) x hashes = " + rows + " x " + hashes
                    + " for dim=" + dim + ", got " + projections.length + " values");
        }
        return projections.clone();
    }

    @Override
    public String toString() {
        return "AttentionConfig{mode=" + mode + ", hashes=" + hashes
                + ", queryClusterSize=" + (queryClusterSize == null ? "derived" : queryClusterSize)
                + ", keyClusterSize=" + (keyClusterSize == null ? "derived" : keyClusterSize)
                + ", scale=" + (scale == null ? "1/sqrt(d)" : scale)
                + (projections == null ? ", seed=" + seed : ", projections=given")
                + (globalKeys.length > 0 ? ", globalKeys=" + Arrays.toString(globalKeys) : "")
                + (unionRounds ? ", unionRounds" : "")
                + (localWindow > 0 ? ", localWindow=" + localWindow : "")
                + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionConfig c && mode == c.mode && hashes == c.hashes && seed == c.seed
                && Objects.equals(queryClusterSize, c.queryClusterSize)
                && Objects.equals(keyClusterSize, c.keyClusterSize)
                && Objects.equals(scale, c.scale) && Arrays.equals(projections, c.projections)
                && Arrays.equals(globalKeys, c.globalKeys) && unionRounds == c.unionRounds
                && localWindow == c.localWindow;
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, hashes, seed, queryClusterSize, keyClusterSize, scale, Arrays.hashCode(projections),
                Arrays.hashCode(globalKeys), unionRounds, localWindow);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private Mode mode = Mode.SMYRF;
        private int hashes = DEFAULT_HASHES;
        private Integer queryClusterSize;
        private Integer keyClusterSize;
        private Float scale;
        private long seed = DEFAULT_SEED;
        private float[] projections;
        private int[] globalKeys = new int[0];
        private boolean unionRounds;
        private int localWindow;

        private Builder() {
        }

        public Builder mode(Mode mode) { this.mode = mode; return this; }

        public Builder hashes(int hashes) { this.hashes = hashes; return this; }

        /** Query cluster size Cq; leave unset to derive it from the key cluster size. */
        public Builder queryClusterSize(int size) { this.queryClusterSize = size; return this; }

        /** Key cluster size Ck; leave unset to derive it from the query cluster size. */
        public Builder keyClusterSize(int size) { this.keyClusterSize = size; return this; }

        /** Sets both cluster sizes (self-attention with equal lengths). */
        public Builder clusterSize(int size) { return queryClusterSize(size).keyClusterSize(size); }

        public Builder scale(float scale) { this.scale = scale; return this; }

        /** Seed for the projections; ignored when {@link #projections} is set. */
        public Builder seed(long seed) { this.seed = seed; return this; }

        /** Explicit projections A, (dim+2) x hashes row-major; copied. Sets hashes from the column count. */
        public Builder projections(float[] projections, int hashes) {
            this.projections = projections == null ? null : projections.clone();
            this.hashes = hashes;
            return this;
        }

        /**
         * Global key positions (see {@link AttentionConfig#globalKeys()}); copied, duplicates
         * kept as given (they resolve to one key). None to switch them off.
         */
        public Builder globalKeys(int... positions) {
            this.globalKeys = positions == null ? new int[0] : positions.clone();
            return this;
        }

        /** Union softmax across rounds (see {@link AttentionConfig#unionRounds()}). */
        public Builder unionRounds(boolean on) { this.unionRounds = on; return this; }

        /** Local window w, 0 for none (see {@link AttentionConfig#localWindow()}). */
        public Builder localWindow(int window) { this.localWindow = window; return this; }

        public AttentionConfig build() {
            return new AttentionConfig(this);
        }
    }
}
