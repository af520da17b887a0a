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
 * SMYRF step 7 as the engine runs it: H = 4 rounds of (o_r, lse_r) added online to
 * N = 16384 rows of dv = 64 (one batch row), then the final division, on a one-thread pool.
 * The accumulators are allocated per call, as in the engine.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class RoundCombineBenchmark {

    private static final int ROWS = 16384;
    private static final int VALUE_DIM = 64;
    private static final int HASHES = 4;

    private WorkerPool pool;
    /** A block's outputs as the cluster stage hands them over: 64 rows of dv. */
    private float[] blockOutputs;
    private float[] lse;

    @Setup
    public void setUp() {
        pool = new WorkerPool(1);
        SplittableRandom random = new SplittableRandom(17);
        blockOutputs = BlockAttentionBenchmark.gaussian(random, 64 * VALUE_DIM);
        lse = BlockAttentionBenchmark.gaussian(random, HASHES * ROWS);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] combineOneRow() {
        RoundCombine combine = new RoundCombine(ROWS, VALUE_DIM);
        for (int r = 0; r < HASHES; r++) {
            for (int row = 0; row < ROWS; row++) {
                // Rows arrive in cluster order in the engine; a stride mimics the scattered writes.
                int target = (row * 193 + r * 7) % ROWS;
                combine.add(target, blockOutputs, (row % 64) * VALUE_DIM, 4f * lse[r * ROWS + row]);
            }
        }
        return combine.finish(pool);
    }
}
