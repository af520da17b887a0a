package org.smyrf4j.cuda;

import static jcuda.driver.JCudaDriver.CU_STREAM_LEGACY;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static org.smyrf4j.cuda.CudaCheck.check;

import java.util.List;
import java.util.Objects;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import org.smyrf4j.AttentionConfig;

/**
 * GPU timing for the {@code bench} command: CUDA events around engine calls on device
 * tensors, and the device's copy bandwidth. NOT YET RUN ON A GPU: written against the driver
 * API and CudaEngine as they are, compiled and reviewed, but no number from it exists yet.
 *
 * <p>Why events on the legacy default stream measure the call: the engine's stream is a
 * blocking stream (see CudaStream#create), so work on it starts only after everything queued
 * earlier on the legacy stream, our start event included, and an event queued on the legacy
 * stream after the call completes only after the engine's work. The interval is therefore the
 * device time from the first to the last of the call's operations, plus any idle gaps while
 * the host issued them (those are part of the call's cost). Warm-up calls are not timed.
 */
public final class CudaTiming {

    private CudaTiming() {
    }

    /** One set of inputs on the device: (batch, len, dim) queries and keys, (batch, len, valueDim) values. */
    public record DeviceInputs(DeviceTensor q, DeviceTensor k, DeviceTensor v) {
        public DeviceInputs {
            Objects.requireNonNull(q, "q");
            Objects.requireNonNull(k, "k");
            Objects.requireNonNull(v, "v");
        }
    }

    /**
     * Times {@code repeats} calls of {@code engine.attend(config, ...)} after {@code warmup}
     * untimed ones; call i (warm-up calls counted) reads input set {@code i % sets.size()}, so
     * that consecutive calls do not find their inputs in the L2 cache.
     *
     * @param out the output tensor every call writes (batch, len, valueDim)
     * @return the time of each timed call in milliseconds, in call order
     */
    public static double[] attendMillis(CudaEngine engine, AttentionConfig config, List<DeviceInputs> sets,
            DeviceTensor out, int warmup, int repeats) {
        Objects.requireNonNull(engine, "engine");
        return attendMillis(engine, config, engine.tensorCores(), sets, out, warmup, repeats);
    }

    /**
     * As {@link #attendMillis(CudaEngine, AttentionConfig, List, DeviceTensor, int, int)}, every
     * call with the tensor-core setting {@code tensorCores} instead of the engine's.
     */
    public static double[] attendMillis(CudaEngine engine, AttentionConfig config, TensorCores tensorCores,
            List<DeviceInputs> sets, DeviceTensor out, int warmup, int repeats) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(tensorCores, "tensorCores");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(out, "out");
        if (sets == null || sets.isEmpty()) {
            throw new IllegalArgumentException("sets must hold at least one input set");
        }
        if (warmup < 0 || repeats <= 0) {
            throw new IllegalArgumentException("warmup must be >= 0 and repeats > 0, got " + warmup + " and " + repeats);
        }
        for (int i = 0; i < warmup; i++) {
            DeviceInputs in = sets.get(i % sets.size());
            engine.attend(config, in.q(), in.k(), in.v(), null, out, tensorCores);
        }
        double[] millis = new double[repeats];
        CudaContext context = out.buffer().owner();
        try (CudaContext.Scope scope = context.enter(); Events events = new Events()) {
            for (int r = 0; r < repeats; r++) {
                DeviceInputs in = sets.get((warmup + r) % sets.size());
                check(cuEventRecord(events.start, CU_STREAM_LEGACY), "cuEventRecord(start)");
                engine.attend(config, in.q(), in.k(), in.v(), null, out, tensorCores);
                check(cuEventRecord(events.end, CU_STREAM_LEGACY), "cuEventRecord(end)");
                millis[r] = events.elapsedMillis();
            }
        }
        return millis;
    }

    /**
     * The device's copy bandwidth in bytes per second: device-to-device copies of
     * {@code bytes} bytes, each counted as {@code 2 * bytes} moved (read once, written once),
     * timed with events after one untimed copy; the best of {@code repeats} copies.
     */
    public static double copyBandwidth(CudaEngine engine, long bytes, int repeats) {
        Objects.requireNonNull(engine, "engine");
        if (bytes < 4 || bytes / 4 > Integer.MAX_VALUE || repeats <= 0) {
            throw new IllegalArgumentException("bytes must be in [4, 8 GiB) and repeats > 0, got " + bytes + " and "
                    + repeats);
        }
        int floats = (int) (bytes / 4);
        long copied = 4L * floats;
        try (DeviceTensor src = engine.allocate(floats); DeviceTensor dst = engine.allocate(floats)) {
            CudaContext context = src.buffer().owner();
            try (CudaContext.Scope scope = context.enter(); Events events = new Events()) {
                check(cuMemcpyDtoDAsync(dst.buffer().pointer(), src.buffer().pointer(), copied, CU_STREAM_LEGACY),
                        "cuMemcpyDtoDAsync(warm-up, " + copied + " bytes)");
                double best = Double.POSITIVE_INFINITY;
                for (int r = 0; r < repeats; r++) {
                    check(cuEventRecord(events.start, CU_STREAM_LEGACY), "cuEventRecord(start)");
                    check(cuMemcpyDtoDAsync(dst.buffer().pointer(), src.buffer().pointer(), copied, CU_STREAM_LEGACY),
                            "cuMemcpyDtoDAsync(" + copied + " bytes)");
                    check(cuEventRecord(events.end, CU_STREAM_LEGACY), "cuEventRecord(end)");
                    best = Math.min(best, events.elapsedMillis());
                }
                return 2.0 * copied / (best * 1e-3);
            }
        }
    }

    /** A start and an end event; the context must be current while they live. */
    private static final class Events implements AutoCloseable {
        final CUevent start = new CUevent();
        final CUevent end = new CUevent();

        Events() {
            check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate(start)");
            try {
                check(cuEventCreate(end, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate(end)");
            } catch (RuntimeException e) {
                cuEventDestroy(start);
                throw e;
            }
        }

        /** Waits for the end event; the milliseconds between the two. */
        double elapsedMillis() {
            check(cuEventSynchronize(end), "cuEventSynchronize(end)");
            float[] ms = new float[1];
            check(cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
            return ms[0];
        }

        @Override
        public void close() {
            check(cuEventDestroy(start), "cuEventDestroy(start)");
            check(cuEventDestroy(end), "cuEventDestroy(end)");
        }
    }
}
