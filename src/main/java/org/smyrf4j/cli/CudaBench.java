package org.smyrf4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.cuda.AttentionKernelChoice;
import org.smyrf4j.cuda.CudaEngine;
import org.smyrf4j.cuda.CudaTiming;
import org.smyrf4j.cuda.CudaTiming.DeviceInputs;
import org.smyrf4j.cuda.DeviceTensor;
import org.smyrf4j.cuda.TensorCores;

/**
 * {@code bench} on the CUDA engine. NOT YET RUN ON A GPU (no card was available while it was
 * written): it compiles, uses only CudaEngine's public device-tensor API and
 * {@link CudaTiming}, and is the place to check first when the GPU numbers look wrong.
 *
 * <ul>
 *   <li>Inputs are uploaded once per length, as several sets that the calls rotate through
 *       (so a call does not find its inputs in L2); no host copy is timed.</li>
 *   <li>Time: CUDA events around each call ({@link CudaTiming#attendMillis}), warm-up untimed.</li>
 *   <li>Memory: the engine's workspace after the case ran from an empty workspace
 *       ({@code releaseWorkspace()} first, {@code memoryStats().workspaceBytes()} after) plus
 *       the output tensor: device memory the call needs beyond its inputs.</li>
 *   <li>Floor: {@link MemoryFloor} bytes over the device-to-device copy bandwidth measured
 *       once, at the first SMYRF case, in the same run.</li>
 * </ul>
 */
final class CudaBench implements BenchBackend {

    static final List<Integer> DEFAULT_LENGTHS = List.of(1024, 2048, 4096, 8192, 16384, 32768, 65536);
    /**
     * The dense kernel's rate the budget assumes before measuring one: 1 TFLOP/s, well below the
     * 10-15 TFLOP/s it ran on an H100 (docs/performance.md) and within reach of any sm_80+ card.
     * The CPU's 1 GFLOP/s start made the budget skip dense at every length on a GPU.
     */
    static final double ASSUMED_DENSE_FLOPS_PER_SECOND = 1e12;
    /** Bytes per copy when measuring bandwidth: far beyond any L2 (50 MiB on an H100). */
    static final long BANDWIDTH_BYTES = 512L << 20;
    /** Source and copy together take at most this share of the free device memory. */
    static final int BANDWIDTH_FREE_SHARE = 8;
    static final int BANDWIDTH_COPIES = 10;

    private final AttentionEngine engine;
    private final CudaEngine cuda;
    private final List<DeviceInputs> sets = new ArrayList<>();
    private DeviceTensor out;
    private double bytesPerSecond = Double.NaN;

    CudaBench(AttentionEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        if (!(engine.backendEngine() instanceof CudaEngine c)) {
            throw new IllegalStateException("not a CUDA engine: " + engine.backendEngine().description());
        }
        this.cuda = c;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return cuda.description();
    }

    @Override
    public List<Integer> defaultLengths() {
        return DEFAULT_LENGTHS;
    }

    @Override
    public void requireDim(int dim) {
        if (dim > cuda.maxDim()) {
            throw new IllegalArgumentException("--dim " + dim + " does not fit this GPU's shared memory (dim <= "
                    + cuda.maxDim() + ")");
        }
    }

    @Override
    public void requireTensorCores(int dim) {
        AttentionKernelChoice choice = cuda.attentionKernel(dim, dim, TensorCores.ON);
        if (!choice.tensorCores()) {
            throw new IllegalArgumentException("--tensor-cores at --dim " + dim + ": " + choice.description());
        }
    }

    @Override
    public double assumedDenseFlopsPerSecond() {
        return ASSUMED_DENSE_FLOPS_PER_SECOND;
    }

    @Override
    public String memoryMeaning() {
        return "peak_bytes: device bytes beyond the inputs: the engine's workspace after the case ran from an"
                + " empty one, plus the output tensor";
    }

    @Override
    public void load(List<AttentionInputs> hostSets) {
        freeInputs();
        for (AttentionInputs in : hostSets) {
            AttentionShape s = in.shape();
            DeviceTensor q = cuda.upload(in.q(), s.batch(), s.queryLen(), s.dim());
            DeviceTensor k = cuda.upload(in.k(), s.batch(), s.keyLen(), s.dim());
            DeviceTensor v = cuda.upload(in.v(), s.batch(), s.keyLen(), s.valueDim());
            sets.add(new DeviceInputs(q, k, v));
        }
        AttentionShape s = hostSets.get(0).shape();
        out = cuda.allocate(s.batch(), s.queryLen(), s.valueDim());
    }

    @Override
    public Measurement measure(BenchCase c, int warmup, int repeats) {
        if (sets.isEmpty()) {
            throw new IllegalStateException("no input sets loaded");
        }
        AttentionConfig config = c.config();
        cuda.releaseWorkspace();
        // Each case names its kernel, whatever the engine's own setting.
        TensorCores kernel = c.tensorCores() ? TensorCores.ON : TensorCores.OFF;
        double[] millis = CudaTiming.attendMillis(cuda, config, kernel, sets, out, warmup, repeats);
        long peak = cuda.memoryStats().workspaceBytes() + 4L * out.elements();
        DeviceInputs first = sets.get(0);
        cuda.attend(config, first.q(), first.k(), first.v(), null, out, kernel);
        return new Measurement(millis, peak, cuda.download(out));
    }

    @Override
    public double floorMillis(BenchCase c) {
        if (c.isDense()) {
            return Double.NaN;
        }
        if (Double.isNaN(bytesPerSecond)) {
            // Smaller where a shared or small card has little free memory: still far beyond L2
            // on any card with 512 MiB free.
            long bytes = Math.min(BANDWIDTH_BYTES, cuda.memoryStats().deviceFree() / BANDWIDTH_FREE_SHARE);
            bytesPerSecond = CudaTiming.copyBandwidth(cuda, bytes, BANDWIDTH_COPIES);
        }
        return MemoryFloor.millis(MemoryFloor.smyrfBytes(c.batch(), c.length(), c.dim(), c.dim(), c.hashes()),
                bytesPerSecond);
    }

    @Override
    public String floorMeaning() {
        String bandwidth = Double.isNaN(bytesPerSecond) ? "not measured"
                : String.format(Locale.ROOT, "%.0f GB/s", bytesPerSecond / 1e9);
        return "floor: SMYRF's least traffic (Q, K, V gathered once per round, o_h and lse written and read, output"
                + " written) at the device-to-device copy bandwidth of this run (" + bandwidth + ")";
    }

    private void freeInputs() {
        for (DeviceInputs in : sets) {
            in.q().close();
            in.k().close();
            in.v().close();
        }
        sets.clear();
        if (out != null) {
            out.close();
            out = null;
        }
    }

    @Override
    public void close() {
        try {
            freeInputs();
        } finally {
            engine.close();
        }
    }
}
