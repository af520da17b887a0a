package org.smyrf4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
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
        List<Future<?>> running = new ArrayList<>(workers);
        try {
            for (int w = 0; w < workers; w++) {
                running.add(pool.submit(() -> {
                    S own = scratch.get();
                    for (int i = next.getAndIncrement(); i < items; i = next.getAndIncrement()) {
                        item.run(i, own);
                    }
                }));
            }
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the CPU engine is closed", e);
        }
        Throwable failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
                next.set(items); // stop handing out items
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next.set(items);
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while attention was running", e);
                }
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
