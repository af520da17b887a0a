package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.ATTN_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.DENSE_THREADS;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.BackendKind;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;
import org.smyrf4j.cuda.Workspace.Slot;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.DeviceLayers;

/**
 * The CUDA engine: SPEC.md's attention on device 0 with the kernel pack (docs/kernels.md).
 *
 * <p>Two ways in: {@link #attend(AttentionConfig, AttentionInputs)} on host arrays (copy in,
 * run, copy out), and {@link #attend(AttentionConfig, DeviceTensor, DeviceTensor, DeviceTensor,
 * DeviceMask, DeviceTensor)} on tensors already in device memory, leaving the output there.
 * {@link #trace} returns every SMYRF stage for stage-by-stage comparison with the CPU engine.
 * {@link #openLayer} puts a whole multi-head attention layer on the device ({@link CudaLayer}).
 *
 * <p>SPEC Extensions (global keys, union softmax across rounds) run on the GPU too: global key
 * positions are resolved on the host against the key mask (the CPU engine's rules and
 * messages; a {@link DeviceMask} keeps its bytes for that), uploaded with the mask the keys sort
 * with, and the cluster attention runs the extension kernels (docs/kernels.md). The local window
 * (docs/kernels.md "Local window") runs as one more round after the hash rounds, in a kernel
 * of its own, and the combine mixes H + 1 rounds.
 *
 * <p>Tensor cores ({@link TensorCores}, off by default: correct on an H100 but 12-16% slower than
 * the CUDA-core kernel, docs/performance.md): when on, the
 * plain hash rounds run on {@code smyrf_cluster_attention_tc} (3xTF32: float32 accuracy by
 * design, about 1e-6 relative on the CPU emulation) wherever its shared memory fits the card; {@link #attentionKernel(int, int)}
 * says which kernel a shape gets and why.
 *
 * <p>Thread safety: calls are serialized on the engine's one stream by a lock, and each makes
 * the context current on its own thread, so concurrent calls give the results of sequential
 * ones. Intermediate buffers live in a workspace reused across calls: once the largest shape
 * has run, calls allocate no device memory. A failed call frees the workspace.
 */
public final class CudaEngine implements AttentionBackend, DeviceLayers {

    /**
     * Debugging switches, off by default.
     *
     * @param poisonOutputs  fill every kernel output with NaN before its launch, so anything a
     *                       kernel leaves unwritten is visible (tests)
     * @param syncEachLaunch wait after every launch, so an asynchronous fault names its kernel
     */
    public record Options(boolean poisonOutputs, boolean syncEachLaunch) {
        /** Plain runs: no poisoning, one synchronization per call. */
        public static final Options DEFAULT = new Options(false, false);
        /** Both checks on: for tests and for diagnosing a failing card. */
        public static final Options CHECKED = new Options(true, true);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final CudaContext context;
    private final CudaStream stream;
    private final KernelModules modules;
    private final Workspace<Slot> workspace;
    private final SmyrfSequence smyrf;
    private final DenseKernels dense;
    private final HeadKernels headKernels;
    private final LayerGemms layerGemms;
    private final TensorCores tensorCores;
    private final String description;
    private boolean closed;

    private CudaEngine(CudaContext context, CudaStream stream, KernelModules modules, Options options,
            TensorCores tensorCores) {
        this.context = context;
        this.stream = stream;
        this.modules = modules;
        this.workspace = new Workspace<>(context, Slot.class, "");
        KernelLauncher launcher = new CudaLauncher(modules, stream, options.poisonOutputs(), options.syncEachLaunch());
        this.smyrf = new SmyrfSequence(launcher);
        this.dense = new DenseKernels(launcher);
        this.headKernels = new HeadKernels(launcher);
        this.layerGemms = new LayerGemms(stream, new GemmKernels(launcher));
        this.tensorCores = tensorCores;
        this.description = "cuda, " + context.deviceName() + " (compute " + context.computeMajor() + "."
                + context.computeMinor() + "), kernels " + modules.image().why() + ", tensor cores "
                + tensorCores.label();
    }

    /** An engine on device 0 with default options; see {@link #open(CudaProbe.Result, Options)}. */
    public static CudaEngine open(CudaProbe.Result probe) {
        return open(probe, Options.DEFAULT);
    }

    /**
     * An engine on device 0, tensor cores as {@code -Dsmyrf4j.cuda.tensorCores} or
     * {@code SMYRF4J_TENSOR_CORES} say ({@link TensorCores#fromEnvironment()}; off by default).
     *
     * @param probe what {@link CudaProbe#probe()} found; must say usable
     * @throws IllegalStateException    when the probe says CUDA cannot run here (with its reason)
     * @throws IllegalArgumentException when the tensor-core setting is neither off nor on
     * @throws CudaException            when the driver fails while setting up
     */
    public static CudaEngine open(CudaProbe.Result probe, Options options) {
        return open(probe, options, TensorCores.fromEnvironment());
    }

    /**
     * An engine on device 0.
     *
     * @param probe       what {@link CudaProbe#probe()} found; must say usable
     * @param tensorCores whether the plain hash rounds run on the tensor-core kernel where it fits
     * @throws IllegalStateException when the probe says CUDA cannot run here (with its reason)
     * @throws CudaException         when the driver fails while setting up
     */
    public static CudaEngine open(CudaProbe.Result probe, Options options, TensorCores tensorCores) {
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(tensorCores, "tensorCores");
        if (!probe.usable()) {
            throw new IllegalStateException("CUDA engine unavailable: " + probe.reason());
        }
        KernelManifest manifest = KernelPack.readManifest();
        if (manifest == null) {
            throw new IllegalStateException("CUDA engine unavailable: " + CudaProbe.PACK_MISSING);
        }
        CudaContext context = CudaContext.open(0);
        KernelModules modules = null;
        CudaStream stream = null;
        try {
            try (CudaContext.Scope scope = context.enter()) {
                KernelImage image = manifest.imageFor(context.computeMajor(), context.computeMinor(),
                        KernelPack.REQUIRED_ENTRY_POINTS);
                modules = KernelModules.load(manifest, image, KernelPack.REQUIRED_ENTRY_POINTS,
                        KernelPack.OPTIONAL_ENTRY_POINTS);
                stream = CudaStream.create();
                return new CudaEngine(context, stream, modules, options, tensorCores);
            }
        } catch (RuntimeException e) {
            try (CudaContext.Scope scope = context.enter()) {
                if (stream != null) {
                    stream.close();
                }
                if (modules != null) {
                    modules.close();
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            try {
                context.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    @Override
    public BackendKind kind() { return BackendKind.CUDA; }

    @Override
    public String description() { return description; }

    /**
     * The largest head dimension d both the SMYRF and the dense kernels accept on this card
     * (their shared memory grows with d; see {@link KernelGeometry#clusterSharedBytes}).
     */
    public int maxDim() {
        return Math.min(KernelGeometry.maxDim(ATTN_THREADS, sharedLimit(AttentionKernels.CLUSTER_ATTENTION)),
                KernelGeometry.maxDim(DENSE_THREADS, sharedLimit(DenseKernels.DENSE_ATTENTION)));
    }

    /** The tensor-core setting this engine was opened with. */
    public TensorCores tensorCores() { return tensorCores; }

    /**
     * Which kernel SMYRF's plain hash rounds run on for head dims {@code dim} and
     * {@code valueDim} with this engine's setting, and why.
     */
    public AttentionKernelChoice attentionKernel(int dim, int valueDim) {
        return attentionKernel(dim, valueDim, tensorCores);
    }

    /**
     * As {@link #attentionKernel(int, int)} with the setting {@code requested}: the tensor-core
     * kernel when it is on and its shared memory ({@link KernelGeometry#tensorCoreSharedBytes})
     * fits this card's opt-in limit, else the CUDA-core kernel with the reason.
     */
    public AttentionKernelChoice attentionKernel(int dim, int valueDim, TensorCores requested) {
        Objects.requireNonNull(requested, "requested");
        if (dim <= 0 || valueDim <= 0) {
            throw new IllegalArgumentException("dim and valueDim must be > 0, got " + dim + " and " + valueDim);
        }
        if (requested == TensorCores.OFF) {
            return tensorCoresOff();
        }
        String notLoaded = modules.unavailable(AttentionKernels.TC_ATTENTION);
        if (notLoaded != null) {
            return tensorCoresNotLoaded(notLoaded);
        }
        long need = KernelGeometry.tensorCoreSharedBytes(dim, valueDim);
        long limit = sharedLimit(AttentionKernels.TC_ATTENTION);
        if (need > limit) {
            return AttentionKernelChoice.cudaCores("tensor cores on, but d=" + dim + ", dv=" + valueDim + " needs "
                    + need + " bytes of shared memory per block in " + AttentionKernels.TC_ATTENTION.name()
                    + ", more than the " + limit + " this GPU allows");
        }
        return AttentionKernelChoice.tensorCores("");
    }

    /**
     * The plain hash rounds' kernel in general, for {@code info}: the setting, and with tensor
     * cores on the largest d = dv they fit here.
     */
    public AttentionKernelChoice attentionKernel() {
        if (tensorCores == TensorCores.OFF) {
            return tensorCoresOff();
        }
        String notLoaded = modules.unavailable(AttentionKernels.TC_ATTENTION);
        if (notLoaded != null) {
            return tensorCoresNotLoaded(notLoaded);
        }
        int max = KernelGeometry.maxTensorCoreDim(sharedLimit(AttentionKernels.TC_ATTENTION));
        return AttentionKernelChoice.tensorCores("for the plain hash rounds where d and dv fit (d = dv <= " + max
                + " here; larger on CUDA cores); global keys, union softmax and the local window on CUDA cores;"
                + " correct on an H100 but slower there than CUDA cores (docs/performance.md)");
    }

    private static AttentionKernelChoice tensorCoresNotLoaded(String why) {
        return AttentionKernelChoice.cudaCores("tensor cores on, but " + AttentionKernels.TC_ATTENTION.name()
                + " did not load on this GPU: " + why);
    }

    private static AttentionKernelChoice tensorCoresOff() {
        return AttentionKernelChoice.cudaCores("tensor cores off: -D" + TensorCores.PROPERTY + "=on to try them");
    }

    // ---------------------------------------------------------------------------------------
    // Host arrays

    /**
     * Attention on host arrays: SMYRF or dense as {@code config.resolveMode} says.
     *
     * @return the output, (batch, queryLen, valueDim) row-major
     * @throws IllegalArgumentException when the configuration does not fit the inputs, or
     *                                  {@code dim} needs more shared memory than the card has
     */
    @Override
    public float[] attend(AttentionConfig config, AttentionInputs inputs) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        AttentionShape shape = inputs.shape();
        Call call = prepare(config, shape, tensorCores);
        byte[] mask = inputs.hasMask() ? toBytes(inputs.keyValid()) : null;
        GlobalKeyTable globals = resolveGlobalKeys(call, mask);
        float[] out = new float[shape.outputElements()];
        return locked(() -> {
            HostBuffers h = uploadInputs(inputs, mask);
            DeviceBuffer outBuffer = workspace.floats(Slot.OUT, shape.outputElements());
            run(call, h.q, h.k, h.v, h.keyValid, globals, outBuffer, false);
            stream.synchronize(call.stage());
            stream.download(out, outBuffer, "out");
            return out;
        });
    }

    /**
     * SMYRF (whatever the configured mode) with every stage copied back: hashes, orders,
     * per-round outputs and log-sum-exps, and the output. Layouts as in {@link SmyrfTrace}.
     */
    public SmyrfTrace trace(AttentionConfig config, AttentionInputs inputs) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        AttentionShape shape = inputs.shape();
        Call call = prepareSmyrf(config, shape, tensorCores);
        SmyrfSizes s = call.sizes;
        byte[] mask = inputs.hasMask() ? toBytes(inputs.keyValid()) : null;
        GlobalKeyTable globals = resolveGlobalKeys(call, mask);
        return locked(() -> {
            HostBuffers h = uploadInputs(inputs, mask);
            DeviceBuffer outBuffer = workspace.floats(Slot.OUT, shape.outputElements());
            SmyrfSequence.Buffers b = run(call, h.q, h.k, h.v, h.keyValid, globals, outBuffer, true);
            stream.synchronize(call.stage());
            float[] queryHashes = new float[(int) ((long) s.segments() * s.queryLen())];
            float[] keyHashes = new float[(int) ((long) s.segments() * s.keyLen())];
            int[] queryOrder = new int[(int) s.queryOrderCount()];
            int[] keyOrder = new int[(int) s.keyOrderCount()];
            // Every round, the window's (slot H) included, as in the CPU engine's trace.
            float[] roundOut = new float[(int) s.roundOutCount()];
            float[] roundLse = new float[(int) s.roundLseCount()];
            float[] out = new float[shape.outputElements()];
            stream.download(queryHashes, b.queryHashes(), "queryHashes");
            stream.download(keyHashes, b.keyHashes(), "keyHashes");
            stream.download(queryOrder, b.queryOrder(), "queryOrder");
            stream.download(keyOrder, b.keyOrder(), "keyOrder");
            stream.download(roundOut, b.roundOut(), "roundOut");
            stream.download(roundLse, b.roundLse(), "roundLse");
            stream.download(out, b.out(), "out");
            return new SmyrfTrace(s.plan(), queryHashes, keyHashes, queryOrder, keyOrder, roundOut, roundLse, out);
        });
    }

    // ---------------------------------------------------------------------------------------
    // Device tensors

    /**
     * Attention on device tensors, output left on the device. Returns once {@code out} is
     * written. The inputs must be ready (work the caller queued on them finished); their
     * values are not checked for finiteness.
     *
     * @param q        (batch, queryLen, dim)
     * @param k        (batch, keyLen, dim)
     * @param v        (batch, keyLen, valueDim)
     * @param keyValid (batch, keyLen), or null when every key is valid
     * @param out      (batch, queryLen, valueDim), overwritten; must not be one of the inputs
     * @throws IllegalArgumentException when a tensor is closed, from another engine, or of the wrong shape
     */
    public void attend(AttentionConfig config, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceMask keyValid,
            DeviceTensor out) {
        attend(config, q, k, v, keyValid, out, tensorCores);
    }

    /**
     * As {@link #attend(AttentionConfig, DeviceTensor, DeviceTensor, DeviceTensor, DeviceMask, DeviceTensor)},
     * with the tensor-core setting {@code tensorCores} for this call instead of the engine's
     * (the bench compares both kernels on one engine).
     */
    public void attend(AttentionConfig config, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceMask keyValid,
            DeviceTensor out, TensorCores tensorCores) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tensorCores, "tensorCores");
        requireTensor("q", q, 3);
        requireTensor("k", k, 3);
        requireTensor("v", v, 3);
        requireTensor("out", out, 3);
        AttentionShape shape = new AttentionShape(q.dim(0), q.dim(1), k.dim(1), q.dim(2), v.dim(2));
        requireShape("k", k, shape.batch(), shape.keyLen(), shape.dim());
        requireShape("v", v, shape.batch(), shape.keyLen(), shape.valueDim());
        requireShape("out", out, shape.batch(), shape.queryLen(), shape.valueDim());
        if (out == q || out == k || out == v) {
            throw new IllegalArgumentException("out must not be one of the inputs q, k, v");
        }
        if (keyValid != null) {
            requireOwned("keyValid", keyValid.buffer(), keyValid.isClosed());
            if (keyValid.batch() != shape.batch() || keyValid.keyLen() != shape.keyLen()) {
                throw new IllegalArgumentException("keyValid must be (batch, keyLen) = (" + shape.batch() + ", "
                        + shape.keyLen() + "), got " + keyValid);
            }
        }
        Call call = prepare(config, shape, tensorCores);
        GlobalKeyTable globals = resolveGlobalKeys(call, keyValid == null ? null : keyValid.hostCopy());
        locked(() -> {
            run(call, q.buffer(), k.buffer(), v.buffer(), keyValid == null ? null : keyValid.buffer(), globals,
                    out.buffer(), false);
            stream.synchronize(call.stage());
            return null;
        });
    }

    /** Copies a host array into a new device tensor of the given shape. */
    public DeviceTensor upload(float[] data, int... shape) {
        Objects.requireNonNull(data, "data");
        long elements = requireShape(shape);
        if (elements != data.length) {
            throw new IllegalArgumentException("data must hold " + elements + " values for shape "
                    + java.util.Arrays.toString(shape) + ", got " + data.length);
        }
        int[] dims = shape.clone();
        return locked(() -> {
            DeviceBuffer buffer = context.allocate(4L * elements, "tensor");
            try {
                stream.upload(buffer, data, "tensor");
                stream.synchronize("upload");
            } catch (RuntimeException e) {
                buffer.close();
                throw e;
            }
            return new DeviceTensor(buffer, dims);
        });
    }

    /** A new device tensor of the given shape, contents undefined. */
    public DeviceTensor allocate(int... shape) {
        long elements = requireShape(shape);
        int[] dims = shape.clone();
        return locked(() -> new DeviceTensor(context.allocate(4L * elements, "tensor"), dims));
    }

    /** Copies a device tensor back into a new host array. */
    public float[] download(DeviceTensor tensor) {
        requireTensor("tensor", tensor, tensor == null ? 0 : tensor.rank());
        if (tensor.elements() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor has " + tensor.elements() + " elements, more than a Java array holds");
        }
        float[] data = new float[(int) tensor.elements()];
        return locked(() -> {
            stream.synchronize("work before download");
            stream.download(data, tensor.buffer(), "tensor");
            return data;
        });
    }

    /** Copies a key validity mask (batch, keyLen) to the device. */
    public DeviceMask uploadMask(boolean[] keyValid, int batch, int keyLen) {
        Objects.requireNonNull(keyValid, "keyValid");
        if (batch <= 0 || keyLen <= 0 || (long) batch * keyLen != keyValid.length) {
            throw new IllegalArgumentException("keyValid must hold batch x keyLen = " + batch + " x " + keyLen
                    + " values, got " + keyValid.length);
        }
        byte[] bytes = toBytes(keyValid);
        return locked(() -> {
            DeviceBuffer buffer = context.allocate(bytes.length, "keyValid");
            try {
                stream.upload(buffer, bytes, "keyValid");
                stream.synchronize("upload mask");
            } catch (RuntimeException e) {
                buffer.close();
                throw e;
            }
            return new DeviceMask(buffer, batch, keyLen, bytes);
        });
    }

    // ---------------------------------------------------------------------------------------
    // Layers

    /**
     * A multi-head attention layer on this engine, its GEMM chosen by {@code -Dsmyrf4j.gemm}
     * ({@link GemmSettings#fromSystemProperties()}); see {@link #openLayer(AttentionWeights, int, GemmSettings)}.
     */
    @Override
    public CudaLayer openLayer(AttentionWeights weights, int heads) {
        return openLayer(weights, heads, GemmSettings.fromSystemProperties());
    }

    /**
     * A multi-head attention layer on this engine: the weights copied to the device, the
     * projections on the GEMM {@code settings} ask for (cuBLAS where it runs, else the kernel
     * pack's). Close it when done; closing the engine frees it too.
     *
     * @throws IllegalArgumentException when heads does not divide dmodel
     * @throws IllegalStateException    when cuBLAS is requested but does not run here
     */
    public CudaLayer openLayer(AttentionWeights weights, int heads, GemmSettings settings) {
        return CudaLayer.open(this, weights, heads, settings);
    }

    /**
     * Which GEMM a layer opened with {@code settings} would run its projections on, and why
     * (starting cuBLAS, once, to find out).
     *
     * @throws IllegalStateException when cuBLAS is requested but does not run here
     */
    public GemmChoice layerGemm(GemmSettings settings) {
        Objects.requireNonNull(settings, "settings");
        return locked(() -> layerGemms.choose(settings).choice());
    }

    // ---------------------------------------------------------------------------------------
    // Memory

    /** What this engine holds on the device, and the device's free and total memory. */
    public DeviceMemoryStats memoryStats() {
        return locked(() -> {
            long[] info = context.memoryInfo();
            return new DeviceMemoryStats(context.liveBuffers(), context.liveBytes(), context.allocations(),
                    workspace.bytes(), info[0], info[1]);
        });
    }

    /** Frees the workspace; the next call allocates it again. */
    public void releaseWorkspace() {
        locked(() -> {
            stream.synchronize("work before releasing the workspace");
            workspace.release();
            return null;
        });
    }

    /** Frees the workspace, open tensors and masks, the modules and the stream; releases the context. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException failure = null;
            try (CudaContext.Scope scope = context.enter()) {
                failure = attempt(failure, () -> stream.synchronize("close"));
                failure = attempt(failure, workspace::release);
                failure = attempt(failure, layerGemms::close);
                failure = attempt(failure, modules::close);
                failure = attempt(failure, stream::close);
            } catch (RuntimeException e) {
                failure = merge(failure, e);
            }
            failure = attempt(failure, context::close);
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------
    // What CudaLayer builds on (package-private)

    CudaContext context() { return context; }

    CudaStream stream() { return stream; }

    HeadKernels headKernels() { return headKernels; }

    LayerGemms layerGemms() { return layerGemms; }

    /** Runs {@code work} as an engine call: lock held, context current, workspace freed on failure. */
    <T> T runLocked(Supplier<T> work) {
        return locked(work);
    }

    /**
     * Runs {@code work} with the lock held and the context current unless the engine is closed
     * (whose context freed everything already); returns whether it ran.
     */
    boolean ifOpen(Runnable work) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            try (CudaContext.Scope scope = context.enter()) {
                work.run();
                return true;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks that {@code config} fits {@code shape} on this card, as an attention call would,
     * before a caller queues work that leads up to one.
     *
     * @throws IllegalArgumentException when it does not
     */
    void checkAttention(AttentionConfig config, AttentionShape shape) {
        prepare(config, shape, tensorCores);
    }

    // ---------------------------------------------------------------------------------------
    // Internals

    /**
     * What one call runs, validated before anything touches the device.
     *
     * @param globalKeys  the configured global key positions (empty: none; SMYRF only)
     * @param unionRounds the union softmax across rounds (SMYRF only)
     * @param tensorCores the plain hash rounds (if the call has them) run on the tensor-core kernel
     */
    private record Call(Mode mode, AttentionShape shape, SmyrfSizes sizes, float[] projections, float scale,
            int[] globalKeys, boolean unionRounds, boolean tensorCores) {
        String stage() {
            return mode == Mode.DENSE ? "dense attention" : "SMYRF (hash, sort, cluster attention, combine)";
        }

        boolean hasExtensions() {
            // The local window lives in sizes (it sizes the round buffers).
            return globalKeys.length > 0 || unionRounds || (sizes != null && sizes.window() > 0);
        }
    }

    private Call prepare(AttentionConfig config, AttentionShape shape, TensorCores requested) {
        Mode mode = config.resolveMode(shape.queryLen(), shape.keyLen());
        if (mode == Mode.DENSE) {
            requireDimFits(DenseKernels.DENSE_ATTENTION, DENSE_THREADS, shape.dim());
            if (shape.batch() > KernelLaunch.MAX_GRID_YZ) {
                throw new IllegalArgumentException("batch must be <= " + KernelLaunch.MAX_GRID_YZ
                        + " on the GPU (grid dimension y), got " + shape.batch());
            }
            // Dense attention sees every key already: the extensions change nothing (as on the CPU).
            return new Call(Mode.DENSE, shape, null, null, config.scale(shape.dim()), new int[0], false, false);
        }
        return prepareSmyrf(config, shape, requested);
    }

    private Call prepareSmyrf(AttentionConfig config, AttentionShape shape, TensorCores requested) {
        ClusterPlan plan = config.plan(shape.queryLen(), shape.keyLen());
        config.requireWindowFits(shape.queryLen(), shape.keyLen());
        int window = config.localWindow();
        SmyrfSizes sizes = SmyrfSizes.of(shape, config.hashes(), plan, window);
        requireDimFits(AttentionKernels.CLUSTER_ATTENTION, ATTN_THREADS, shape.dim());
        if (window > 0) {
            requireDimFits(AttentionKernels.WINDOW_ATTENTION, ATTN_THREADS, shape.dim());
        }
        if (config.unionRounds()) {
            requireUnionFits(sizes, AttentionKernels.UNION_ATTENTION);
            if (window > 0) {
                requireUnionFits(sizes, AttentionKernels.WINDOW_ATTENTION);
            }
        }
        // The CUDA-core kernel above stays the fallback; the sequence uses this for the plain rounds only.
        boolean tensorCoreRounds = attentionKernel(shape.dim(), shape.valueDim(), requested).tensorCores();
        return new Call(Mode.SMYRF, shape, sizes, config.projections(shape.dim()), config.scale(shape.dim()),
                config.globalKeys(), config.unionRounds(), tensorCoreRounds);
    }

    /** The call's global keys resolved against the mask (null: none configured, or not SMYRF). */
    private static GlobalKeyTable resolveGlobalKeys(Call call, byte[] keyValid) {
        if (call.mode() != Mode.SMYRF || call.globalKeys().length == 0) {
            return null;
        }
        AttentionShape shape = call.shape();
        return GlobalKeyTable.resolve(call.globalKeys(), keyValid, shape.batch(), shape.keyLen());
    }

    /**
     * The union softmax's shared memory grows with H as well as d (KernelGeometry.unionSharedBytes),
     * in the union kernel and in the window kernel alike.
     */
    private void requireUnionFits(SmyrfSizes s, EntryPoint entry) {
        long need = AttentionKernels.unionSharedBytes(s);
        long limit = sharedLimit(entry);
        if (need > limit) {
            throw new IllegalArgumentException("hashes=" + s.hashes() + " with unionRounds at dim=" + s.dim()
                    + " needs " + need + " bytes of shared memory per block in " + entry.name() + ", more than the "
                    + limit + " this GPU allows: use fewer rounds, a smaller dim, or the CPU engine");
        }
    }

    private long sharedLimit(EntryPoint entry) {
        return (long) context.sharedPerBlockOptIn() - modules.staticSharedBytes(entry);
    }

    private void requireDimFits(EntryPoint entry, int threads, int dim) {
        long need = KernelGeometry.clusterSharedBytes(threads, dim);
        long limit = sharedLimit(entry);
        if (need > limit) {
            throw new IllegalArgumentException("dim=" + dim + " needs " + need + " bytes of shared memory per block in "
                    + entry.name() + ", more than the " + limit + " this GPU allows (dim <= "
                    + KernelGeometry.maxDim(threads, limit) + " fits)");
        }
    }

    /** Host inputs copied into the workspace. */
    private record HostBuffers(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid) {
    }

    private HostBuffers uploadInputs(AttentionInputs inputs, byte[] mask) {
        DeviceBuffer q = workspace.floats(Slot.Q, inputs.q().length);
        DeviceBuffer k = workspace.floats(Slot.K, inputs.k().length);
        DeviceBuffer v = workspace.floats(Slot.V, inputs.v().length);
        DeviceBuffer keyValid = mask == null ? null : workspace.get(Slot.KEY_VALID, mask.length);
        stream.upload(q, inputs.q(), "q");
        stream.upload(k, inputs.k(), "k");
        stream.upload(v, inputs.v(), "v");
        if (mask != null) {
            stream.upload(keyValid, mask, "keyValid");
        }
        return new HostBuffers(q, k, v, keyValid);
    }

    /**
     * Queues the call's kernels; the caller synchronizes. Returns the SMYRF buffers (null for dense).
     *
     * @param globals the call's resolved global keys, or null
     */
    private SmyrfSequence.Buffers run(Call call, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyValid,
            GlobalKeyTable globals, DeviceBuffer out, boolean withHashes) {
        if (call.mode() == Mode.DENSE) {
            dense.attention(call.shape(), q, k, v, keyValid, call.scale(), out);
            return null;
        }
        SmyrfSizes s = call.sizes();
        SmyrfSequence.Buffers b = SmyrfSequence.buffers(s, workspace::get, q, k, v, keyValid, out, withHashes);
        stream.upload(b.projections(), call.projections(), "projections");
        SmyrfSequence.ExtensionBuffers ext = null;
        if (call.hasExtensions()) {
            int globalCount = globals == null ? 0 : globals.globalCount();
            ext = SmyrfSequence.ExtensionBuffers.of(s, workspace::get, globalCount, call.unionRounds());
            if (globalCount > 0) {
                stream.upload(ext.keySortValid(), globals.keySortValid(), "keySortValid");
                stream.upload(ext.globalKeys(), globals.table(), "globalKeys");
            }
        }
        smyrf.run(s, b, ext, call.scale(), call.tensorCores());
        return b;
    }

    /**
     * Runs {@code work} holding the lock with the context current. On failure the workspace is
     * freed (what the call took), best effort, and the failure rethrown.
     */
    private <T> T locked(Supplier<T> work) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the CUDA engine is closed");
            }
            try (CudaContext.Scope scope = context.enter()) {
                try {
                    return work.get();
                } catch (RuntimeException | Error e) {
                    try {
                        stream.synchronize("failed call");
                    } catch (RuntimeException ignored) {
                        e.addSuppressed(ignored);
                    }
                    try {
                        workspace.release();
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                    throw e;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs a clean-up step; its failure is kept (the first one) or added as suppressed. */
    private static RuntimeException attempt(RuntimeException failure, Runnable step) {
        try {
            step.run();
            return failure;
        } catch (RuntimeException e) {
            return merge(failure, e);
        }
    }

    private static RuntimeException merge(RuntimeException failure, RuntimeException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }

    private void requireTensor(String name, DeviceTensor t, int rank) {
        if (t == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        requireOwned(name, t.buffer(), t.isClosed());
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + " must have rank " + rank + ", got " + t);
        }
    }

    private void requireOwned(String name, DeviceBuffer buffer, boolean isClosed) {
        if (isClosed) {
            throw new IllegalArgumentException(name + " is closed");
        }
        if (buffer.owner() != context) {
            throw new IllegalArgumentException(name + " belongs to another engine");
        }
    }

    private static void requireShape(String name, DeviceTensor t, int d0, int d1, int d2) {
        if (t.dim(0) != d0 || t.dim(1) != d1 || t.dim(2) != d2) {
            throw new IllegalArgumentException(name + " must be (" + d0 + ", " + d1 + ", " + d2 + "), got " + t);
        }
    }

    private static long requireShape(int[] shape) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one dimension");
        }
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] <= 0) {
                throw new IllegalArgumentException("shape[" + i + "] must be > 0, got " + shape[i]);
            }
            elements *= shape[i];
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape)
                        + " holds more elements than a Java array can");
            }
        }
        return elements;
    }

    private static byte[] toBytes(boolean[] valid) {
        byte[] bytes = new byte[valid.length];
        for (int i = 0; i < valid.length; i++) {
            bytes[i] = valid[i] ? (byte) 1 : (byte) 0;
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "CudaEngine[" + description + "]";
    }
}
