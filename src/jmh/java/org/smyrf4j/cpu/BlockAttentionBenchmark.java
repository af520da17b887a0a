package org.smyrf4j.cpu;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot loop of SMYRF step 6 on one thread: one block of 64 queries against one cluster's
 * keys, gathered by row index from a K and V too large for L2 (as in the engine), d = dv = 64.
 * Vector kernel against the scalar one; {@code keys = 128} is the cluster size,
 * 512 shows the multi-tile path (dense attention runs that one over all keys).
 * Work per call: 2 x 64 x keys x (d + dv) flops, 2.1 MFLOP at 128 keys.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class BlockAttentionBenchmark {

    private static final int DIM = 64;
    private static final int ROWS = 16384;

    @Param({"vector", "scalar"})
    public String kernel;

    @Param({"128", "512"})
    public int keys;

    private BlockAttention attention;
    private BlockScratch scratch;
    private float[] q;
    private float[] k;
    private float[] v;
    private int[] keyRows;
    private int queries;

    @Setup
    public void setUp() {
        attention = kernel.equals("scalar") ? new ScalarBlockAttention() : BlockAttentions.vector();
        if (attention == null) {
            throw new IllegalStateException("the vector kernel needs --add-modules jdk.incubator.vector");
        }
        SplittableRandom random = new SplittableRandom(7);
        q = gaussian(random, ROWS * DIM);
        k = gaussian(random, ROWS * DIM);
        v = gaussian(random, ROWS * DIM);
        keyRows = new int[keys];
        for (int j = 0; j < keys; j++) {
            keyRows[j] = random.nextInt(ROWS);
        }
        if (attention.needsWarmUp()) {
            // As the engine does: without it, Vector API code may stay interpreted through JMH's
            // warm-up (slow calls, so too few invocations to reach C2); see KernelWarmUp.
            KernelWarmUp.run(attention, () -> false);
        }
        queries = attention.blockCapacity();
        scratch = new BlockScratch(DIM, DIM, 0.125f, queries);
    }

    @Benchmark
    public float attendOneBlock() {
        scratch.startBlock(queries, attention.widthFor(queries));
        for (int t = 0; t < queries; t++) {
            scratch.putQuery(q, t * 37 % ROWS, t);
        }
        attention.attend(k, v, keyRows, keys, scratch);
        return scratch.acc[0] + scratch.lse[queries - 1];
    }

    static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }
}
