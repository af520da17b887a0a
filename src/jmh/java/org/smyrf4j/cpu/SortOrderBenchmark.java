package org.smyrf4j.cpu;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SMYRF step 4: the (invalid, hash, index) orders of queries and keys for H = 4 rounds of one
 * batch row of N = 16384 tokens (8 sorts of 16384 longs), on a one-thread pool.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class SortOrderBenchmark {

    private static final int LEN = 16384;
    private static final int HASHES = 4;

    private WorkerPool pool;
    private float[] queryHashes;
    private float[] keyHashes;

    @Setup
    public void setUp() {
        pool = new WorkerPool(1);
        SplittableRandom random = new SplittableRandom(13);
        queryHashes = BlockAttentionBenchmark.gaussian(random, HASHES * LEN);
        keyHashes = BlockAttentionBenchmark.gaussian(random, HASHES * LEN);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public int[][] orderOneRow() {
        return SortOrder.orders(pool, HASHES, 1, new SortOrder.Side(queryHashes, LEN, LEN, (b, i) -> true),
                new SortOrder.Side(keyHashes, LEN, LEN, (b, i) -> true));
    }
}
