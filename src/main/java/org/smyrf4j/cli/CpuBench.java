package org.smyrf4j.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionInputs;

/**
 * {@code bench} on the CPU engine: wall time ({@link System#nanoTime()}) around each
 * {@code attend} call on host arrays.
 *
 * <p>Memory: the bytes the JVM allocated during the call, summed over every thread (HotSpot's
 * per-thread allocation counter, {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}),
 * so the engine's pool workers count. The engine allocates its working arrays (hashes, orders,
 * the combine's accumulators, which become the output) per call and drops none before it
 * returns, so this total is the peak of the call's heap working set, output included, inputs
 * not; the per-stage scratch of the workers (a few hundred KiB) is counted whether or not it
 * was collected meanwhile. -1 on a JVM without the counter.
 */
final class CpuBench implements BenchBackend {

    static final List<Integer> DEFAULT_LENGTHS = List.of(1024, 2048, 4096, 8192, 16384);

    private final AttentionEngine engine;
    private final com.sun.management.ThreadMXBean threads;
    private List<AttentionInputs> sets = List.of();

    CpuBench(AttentionEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        this.threads = bean instanceof com.sun.management.ThreadMXBean hotspot
                && hotspot.isThreadAllocatedMemorySupported() ? hotspot : null;
        if (threads != null && !threads.isThreadAllocatedMemoryEnabled()) {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return engine.backendEngine().description();
    }

    @Override
    public List<Integer> defaultLengths() {
        return DEFAULT_LENGTHS;
    }

    @Override
    public void requireDim(int dim) {
        // The CPU engine takes any dim.
    }

    @Override
    public String memoryMeaning() {
        return threads == null ? "peak_bytes: not measured (this JVM has no per-thread allocation counter)"
                : "peak_bytes: heap bytes allocated during one call, all threads (the engine keeps its working"
                        + " arrays until it returns: hashes, orders, accumulators = output; inputs not counted)";
    }

    @Override
    public void load(List<AttentionInputs> sets) {
        this.sets = List.copyOf(sets);
    }

    @Override
    public Measurement measure(BenchCase c, int warmup, int repeats) {
        if (sets.isEmpty()) {
            throw new IllegalStateException("no input sets loaded");
        }
        if (c.tensorCores()) {
            throw new IllegalArgumentException("the CPU engine has no tensor cores: " + c.text());
        }
        double[] millis = new double[repeats];
        long peak = -1;
        float[] output = null;
        for (int call = 0; call < warmup + repeats; call++) {
            int set = call % sets.size();
            Map<Long, Long> before = allocatedBytes();
            long start = System.nanoTime();
            float[] out = engine.attend(c.config(), sets.get(set));
            long nanos = System.nanoTime() - start;
            long allocated = allocatedSince(before);
            if (set == 0 && output == null) {
                output = out;
            }
            if (call >= warmup) {
                millis[call - warmup] = nanos / 1e6;
                peak = Math.max(peak, allocated);
            }
        }
        return new Measurement(millis, peak, output);
    }

    @Override
    public double floorMillis(BenchCase c) {
        return Double.NaN;
    }

    @Override
    public String floorMeaning() {
        return null;
    }

    /** Allocated bytes of every live thread, by thread id; empty without the counter. */
    private Map<Long, Long> allocatedBytes() {
        Map<Long, Long> bytes = new HashMap<>();
        if (threads != null) {
            long[] ids = threads.getAllThreadIds();
            long[] allocated = threads.getThreadAllocatedBytes(ids);
            for (int i = 0; i < ids.length; i++) {
                if (allocated[i] >= 0) {
                    bytes.put(ids[i], allocated[i]);
                }
            }
        }
        return bytes;
    }

    /**
     * Bytes allocated since {@code before}: per thread, so that a thread that ended meanwhile
     * cannot make the sum shrink, and one that started counts in full; -1 without the counter.
     */
    private long allocatedSince(Map<Long, Long> before) {
        if (threads == null) {
            return -1;
        }
        long total = 0;
        for (Map.Entry<Long, Long> now : allocatedBytes().entrySet()) {
            total += Math.max(0, now.getValue() - before.getOrDefault(now.getKey(), 0L));
        }
        return total;
    }

    @Override
    public void close() {
        engine.close();
    }
}
