package org.smyrf4j.cli;

import java.util.List;
import org.smyrf4j.AttentionInputs;

/**
 * One backend as the {@code bench} command drives it: load rotating input sets, time a case,
 * measure its memory. Implementations: {@link CpuBench}, {@link CudaBench}.
 */
interface BenchBackend extends AutoCloseable {

    /**
     * The timed calls of one case and what came with them.
     *
     * @param millis    each timed call, in call order
     * @param peakBytes the call's memory beyond its inputs (see {@link #memoryMeaning()}), -1 if unknown
     * @param output    the output for input set 0, (batch, length, dim), for the error against dense
     */
    record Measurement(double[] millis, long peakBytes, float[] output) {
    }

    /** "cpu" or "cuda", as written in the CSV. */
    String name();

    /** The engine and machine, one line. */
    String description();

    /** The lengths swept when {@code --lengths} is left out. */
    List<Integer> defaultLengths();

    /** Throws IllegalArgumentException naming the option when {@code dim} cannot run here. */
    void requireDim(int dim);

    /**
     * Throws IllegalArgumentException naming {@code --tensor-cores} when SMYRF cannot run on
     * tensor cores here at head dim {@code dim} (the CPU engine has none).
     */
    default void requireTensorCores(int dim) {
        throw new IllegalArgumentException("--tensor-cores on or both needs the CUDA backend; this bench runs on "
                + name());
    }

    /**
     * A dense rate (flop/s) this backend reaches on any machine it runs on, for the dense budget's
     * first estimate ({@link DenseBudget}); the CPU's default is deliberately low.
     */
    default double assumedDenseFlopsPerSecond() {
        return DenseBudget.ASSUMED_FLOPS_PER_SECOND;
    }

    /** What the peak_bytes column means here, one line. */
    String memoryMeaning();

    /** Makes {@code sets} the inputs of the next measurements, freeing the previous ones. */
    void load(List<AttentionInputs> sets);

    /**
     * Runs {@code warmup} untimed and {@code repeats} timed calls of {@code c}; call i reads
     * input set {@code i % sets}.
     */
    Measurement measure(BenchCase c, int warmup, int repeats);

    /** The memory floor of a SMYRF case in milliseconds (see {@link MemoryFloor}), or NaN where there is none. */
    double floorMillis(BenchCase c);

    /** What the floor columns mean, one line, or null when the backend reports no floor. */
    String floorMeaning();

    @Override
    void close();
}
