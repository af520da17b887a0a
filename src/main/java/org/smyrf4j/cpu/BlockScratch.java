package org.smyrf4j.cpu;

import java.util.Arrays;

/**
 * One worker's buffers for {@link BlockAttention}: a block of at most {@code capacity} queries
 * (transposed), one key tile of logits, and the running softmax state. Allocated once per worker
 * and call, reused for every block the worker computes, so the hot loops allocate nothing.
 */
final class BlockScratch {

    final int dim;
    final int valueDim;
    final float scale;
    /** Largest block width; a multiple of the kernel's lane count. */
    final int capacity;

    /** Queries of the block as {@link #putQuery} copies them: (capacity, dim), row t = query t. */
    final float[] queryRows;
    /** Queries of the block, transposed: (dim, width), query t of the block in column t. */
    final float[] queriesT;
    /** Logits, then probabilities, of one key tile: (KEY_TILE, width), key-major. */
    final float[] tile;
    /** Unnormalised outputs, then outputs: (capacity, valueDim), one row per query. */
    final float[] acc;
    /** Running maximum logit, running sum of exponentials, rescale factor of the last tile. */
    final float[] max;
    final float[] sum;
    final float[] alpha;
    /** Log-sum-exp of each query's logits (-infinity when there was no key). */
    final float[] lse;

    /** Where {@link #touchRows} leaves its sum, so that the JIT keeps the loads. */
    float touched;

    /**
     * Reads one float of every cache line (16 floats) of rows {@code rows[0..count)} of {@code x}
     * (rows of {@code width} floats): the loads are independent, so their cache misses overlap,
     * and the kernel then finds the scattered rows of a cluster in cache (Java has no prefetch).
     */
    void touchRows(float[] x, int[] rows, int count, int width) {
        float sum = 0f;
        for (int j = 0; j < count; j++) {
            for (int o = rows[j] * width, end = o + width; o < end; o += 16) {
                sum += x[o];
            }
        }
        touched = sum;
    }

    /** Width of the current block (a multiple of the lane count) and its real queries. */
    int width;
    int count;

    BlockScratch(int dim, int valueDim, float scale, int capacity) {
        this.dim = dim;
        this.valueDim = valueDim;
        this.scale = scale;
        this.capacity = capacity;
        this.queryRows = new float[capacity * dim];
        this.queriesT = new float[dim * capacity];
        this.tile = new float[BlockAttention.KEY_TILE * capacity];
        this.acc = new float[capacity * valueDim];
        this.max = new float[capacity];
        this.sum = new float[capacity];
        this.alpha = new float[capacity];
        this.lse = new float[capacity];
    }

    /**
     * Starts a block of {@code count} queries, {@code width} columns wide: clears the unused
     * columns of {@link #queriesT} so they hold finite values (their results are discarded).
     */
    void startBlock(int count, int width) {
        if (count <= 0 || count > width || width > capacity) {
            throw new IllegalStateException("block of " + count + " queries in width " + width
                    + " exceeds capacity " + capacity);
        }
        this.count = count;
        this.width = width;
        if (count < width) {
            for (int c = 0; c < dim; c++) {
                Arrays.fill(queriesT, c * width + count, c * width + width, 0f);
            }
        }
    }

    /**
     * Copies query row {@code row} of {@code q} (dim values at row*dim) into column {@code column},
     * once {@link #transposeQueries()} has run.
     *
     * <p>Why in two steps: the rows of a cluster are scattered over Q, so each is a cache miss.
     * Copied whole (a few vector moves each), many rows' misses are in flight at once; written
     * straight into their columns, each row's 64 scattered stores filled the store queue and
     * left the next rows' loads waiting (this copy was a fifth of SMYRF's time at N = 16384).
     */
    void putQuery(float[] q, int row, int column) {
        System.arraycopy(q, row * dim, queryRows, column * dim, dim);
    }

    /** Fills {@link #queriesT}'s columns 0..count-1 from the copied rows (all within L1). */
    void transposeQueries() {
        for (int c = 0; c < dim; c++) {
            int dst = c * width;
            for (int t = 0, src = c; t < count; t++, src += dim) {
                queriesT[dst + t] = queryRows[src];
            }
        }
    }
}
