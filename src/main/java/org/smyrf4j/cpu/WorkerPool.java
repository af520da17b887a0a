package org.smyrf4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The engine's threads: runs the items 0..n-1 of one stage on a ForkJoinPool owned by the
 * engine. Workers take items from a shared counter, each with its own scratch.
 *
 * <p>Results never depend on scheduling: an item's result is a function of its index and the
 * inputs only (scratch is fully rewritten before it is read), and each output element is
 * written by exactly one item. Which worker ran an item does not matter.
 */
final class WorkerPool implements AutoCloseable {

    /** The work of one item, with the worker's scratch. */
    @FunctionalInterface
    interface Item<S> {
        void run(int index, S scratch);
    }

    private final ForkJoinPool pool;
    private final int threads;

    WorkerPool(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be > 0, got " + threads);
        }
        this.threads = threads;
        this.pool = new ForkJoinPool(threads);
    }

    int threads() {
        return threads;
    }

    /**
     * Starts a task on one worker without waiting for it (the kernel warm-up). Stages started
     * meanwhile run on the other workers and on this one once the task ends.
     */
    void startInBackground(Runnable task) {
        pool.execute(task);
    }

    /** Runs {@code item} for every index in [0, items), at most {@link #threads()} at a time. */
    <S> void run(int items, Supplier<S> scratch, Item<S> item) {
        if (items <= 0) {
            return;
        }
        int workers = Math.min(items, threads);
        AtomicInteger next = new AtomicInteger();
        // The first failure as thrown (a Future would hand back a copy made for this thread).
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Future<?>> running = new ArrayList<>(workers);
        try {
            for (int w = 0; w < workers; w++) {
                running.add(pool.submit(() -> {
                    try {
                        S own = scratch.get();
                        for (int i = next.getAndIncrement(); i < items; i = next.getAndIncrement()) {
                            item.run(i, own);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                        next.set(items); // stop handing out items
                    }
                }));
            }
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the CPU engine is closed", e);
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure.compareAndSet(null, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next.set(items);
                failure.compareAndSet(null, new IllegalStateException("interrupted while attention was running", e));
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error error) {
            throw error;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
