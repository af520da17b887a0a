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
 * SMYRF steps 1-3 (norms, XBOX+ extension, projections) for one batch row of N = 16384
 * queries and keys, d = 64, H = 4, on a one-thread pool: the cost per row the engine spreads
 * over its threads.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class HashingBenchmark {

    private static final int LEN = 16384;
    private static final int DIM = 64;
    private static final int HASHES = 4;

    private WorkerPool pool;
    private float[] q;
    private float[] k;
    private float[] projections;

    @Setup
    public void setUp() {
        pool = new WorkerPool(1);
        SplittableRandom random = new SplittableRandom(11);
        q = BlockAttentionBenchmark.gaussian(random, LEN * DIM);
        k = BlockAttentionBenchmark.gaussian(random, LEN * DIM);
        projections = BlockAttentionBenchmark.gaussian(random, (DIM + 2) * HASHES);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[][] hashOneRow() {
        return XboxHashing.hash(pool, 1, DIM, HASHES, projections, new XboxHashing.Side(q, LEN, DIM + 1),
                new XboxHashing.Side(k, LEN, DIM));
    }
}
