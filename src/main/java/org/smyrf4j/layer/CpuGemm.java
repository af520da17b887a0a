package org.smyrf4j.layer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Gemm} in Java: blocked and multithreaded, on the Vector API when the module
 * jdk.incubator.vector is present and in plain Java otherwise (see {@link GemmKernel} for the
 * loops of each).
 *
 * <p>Work items are blocks of y, {@link #ROW_BLOCK} rows by about {@link #COLUMNS_PER_ITEM}
 * columns, handed to the pool's threads from a shared counter. Each element is computed by one
 * item with a fixed fma chain, so the result is bit-identical for any thread count, for the
 * vector and the scalar kernel, and for a row alone or inside a batch.
 *
 * <p>Thread-safe; owns its threads, so close it (or the layer that created it) when done.
 */
public final class CpuGemm implements Gemm, AutoCloseable {

    /** Rows of y per work item: a multiple of the vector kernel's 6-row tile; 96 x KC x 4 B = 48 KiB of x in L2. */
    static final int ROW_BLOCK = 96;
    /** Columns of y per work item (rounded to whole panels): enough items for the threads at BERT-size widths. */
    static final int COLUMNS_PER_ITEM = 128;
    /** Below this many multiply-adds the pool's hand-off costs more than it saves: run on the caller. */
    static final long INLINE_WORK = 1L << 18;

    private final ForkJoinPool pool;
    private final int threads;
    private final GemmKernel kernel;
    private volatile boolean closed;

    /** One thread per available processor, the best kernel for this JVM. */
    public CpuGemm() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * @throws IllegalArgumentException when threads <= 0
     */
    public CpuGemm(int threads) {
        this(threads, GemmKernels.best());
    }

    /** A GEMM on a chosen kernel (tests compare the kernels). */
    CpuGemm(int threads, GemmKernel kernel) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be > 0, got " + threads);
        }
        this.threads = threads;
        this.kernel = kernel;
        this.pool = new ForkJoinPool(threads);
    }

    @Override
    public void linear(float[] x, int rows, int in, float[] weight, float[] bias, float[] y) {
        if (closed) {
            throw new IllegalStateException("the CPU GEMM is closed");
        }
        int out = Gemm.checkLinear(x, rows, in, weight, bias, y);
        GemmKernel.Packed packed = kernel.pack(weight, bias, out, in);
        int rowBlocks = GemmKernel.ceilDiv(rows, ROW_BLOCK);
        int panelsPerItem = Math.max(1, COLUMNS_PER_ITEM / kernel.panelWidth());
        int columnBlocks = GemmKernel.ceilDiv(packed.panels(), panelsPerItem);
        int items = rowBlocks * columnBlocks;
        Item item = index -> {
            int r0 = (index / columnBlocks) * ROW_BLOCK;
            int p0 = (index % columnBlocks) * panelsPerItem;
            kernel.compute(x, packed, y, r0, Math.min(rows, r0 + ROW_BLOCK), p0,
                    Math.min(packed.panels(), p0 + panelsPerItem));
        };
        if (threads == 1 || items == 1 || (long) rows * out * in < INLINE_WORK) {
            for (int i = 0; i < items; i++) {
                item.run(i);
            }
        } else {
            runOnPool(items, item);
        }
    }

    @Override
    public String description() {
        return "cpu, " + threads + " threads, " + kernel.name() + " kernel";
    }

    /** Whether the inner loops run on the Vector API. */
    public boolean usesVectorApi() {
        return !(kernel instanceof ScalarGemmKernel);
    }

    public int threads() {
        return threads;
    }

    /** Stops the threads; later calls throw IllegalStateException. */
    @Override
    public void close() {
        closed = true;
        pool.shutdown();
    }

    @Override
    public String toString() {
        return "CpuGemm[" + description() + "]";
    }

    @FunctionalInterface
    private interface Item {
        void run(int index);
    }

    /** Runs items 0..n-1 on at most {@link #threads} workers; rethrows the first failure. */
    private void runOnPool(int items, Item item) {
        int workers = Math.min(items, threads);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>(workers);
        try {
            for (int w = 0; w < workers; w++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < items; i = next.getAndIncrement()) {
                        item.run(i);
                    }
                }));
            }
        } catch (RejectedExecutionException e) {
            next.set(items);
            throw new IllegalStateException("the CPU GEMM is closed", e);
        }
        RuntimeException failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                next.set(items);
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next.set(items);
                failure = new IllegalStateException("interrupted while the GEMM was running", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
