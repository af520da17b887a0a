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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/**
 * What the extensions cost in a whole CPU attend: B = 8, N = 4096, d = dv = 64, H = 4, clusters
 * of 128, on every core; plain SMYRF, then with the local window (w = 8 or 32), with global keys
 * [0, -1] and the union softmax as well. The difference to window = 0 with the same options is
 * the window round's cost.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class ExtensionsBenchmark {

    private static final int BATCH = 8;
    private static final int LENGTH = 4096;
    private static final int DIM = 64;

    @Param({"0", "8", "32"})
    public int window;

    @Param({"false", "true"})
    public boolean globalAndUnion;

    private CpuEngine engine;
    private AttentionConfig config;
    private AttentionInputs inputs;

    @Setup
    public void setUp() {
        engine = new CpuEngine();
        SplittableRandom random = new SplittableRandom(29);
        int size = BATCH * LENGTH * DIM;
        inputs = AttentionInputs.of(new AttentionShape(BATCH, LENGTH, LENGTH, DIM, DIM),
                BlockAttentionBenchmark.gaussian(random, size), BlockAttentionBenchmark.gaussian(random, size),
                BlockAttentionBenchmark.gaussian(random, size));
        AttentionConfig.Builder builder = AttentionConfig.builder().hashes(4).clusterSize(128).localWindow(window);
        if (globalAndUnion) {
            builder.globalKeys(0, -1).unionRounds(true);
        }
        config = builder.build();
    }

    @TearDown
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public float[] attend() {
        return engine.attend(config, inputs);
    }
}
