package org.smyrf4j.cpu;

import java.util.Objects;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.BackendKind;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;

/**
 * The pure-Java engine: SPEC.md step by step, the reference the CUDA engine is checked against.
 *
 * <p>Stages (each a parallel loop over independent items on the engine's own thread pool):
 * <ol>
 *   <li>{@link XboxHashing}: steps 1-3, hash values (H, B, N) of queries and keys;</li>
 *   <li>{@link SortOrder}: step 4, orders (H, B, N') by (invalid, hash, index);</li>
 *   <li>{@link ClusterAttention}: steps 5-6, round by round, each query's o_r and lse_r
 *       handed to</li>
 *   <li>{@link RoundCombine}: step 7, accumulated online in round order;</li>
 * </ol>
 * The SPEC extensions of {@link AttentionConfig} ({@link GlobalKeys}: sorted last, added to every
 * cluster; {@link UnionCounts}: logits minus log n_ij) hook into steps 4 and 6; with them off the
 * stages compute exactly the plain steps. Dense attention ignores them (it already sees every key).
 * or {@link DenseAttention} for exact attention. Orders are bit-exact with the GPU contract
 * (docs/kernels.md); continuous outputs agree with it to float rounding.
 *
 * <p>The attention loops run on the Vector API when the module jdk.incubator.vector is present
 * ({@code --add-modules jdk.incubator.vector}) and on plain Java otherwise. The two kernels are
 * written to perform the same float operations in the same order per query and give the same
 * bits today; the contract is only that they may differ in the last bits.
 *
 * <p>The vector kernel is slow until the JIT has compiled it; the constructor therefore starts
 * a short warm-up ({@link KernelWarmUp}, about a second of one thread on a cold JVM) on one
 * worker, so that it overlaps with what the caller does before the first call.
 *
 * <p>Thread-safe: concurrent calls share the pool and give exactly the results of sequential
 * calls, since every stage has a fixed decomposition and each output is written by one item.
 * Memory: O(B N (d + dv) + H B N) per call (the output, hashes and orders; a trace also keeps
 * the (H, B, Nq, dv) round outputs); never anything of size Nq x Nk.
 */
public final class CpuEngine implements AttentionBackend {

    private final WorkerPool pool;
    private final BlockAttention kernel;
    private volatile boolean closed;

    /** An engine with one thread per available processor and the best kernel for this JVM. */
    public CpuEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * An engine with {@code threads} worker threads.
     *
     * @throws IllegalArgumentException when threads <= 0
     */
    public CpuEngine(int threads) {
        this(threads, BlockAttentions.best());
    }

    /** An engine on a chosen kernel (tests compare the kernels). */
    CpuEngine(int threads, BlockAttention kernel) {
        this.pool = new WorkerPool(threads);
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        if (kernel.needsWarmUp()) {
            // Overlaps the JIT's warm-up of the vector kernel with whatever the caller does
            // next (loading inputs, hashing); see KernelWarmUp. Stops early on close().
            pool.startInBackground(() -> KernelWarmUp.run(kernel, () -> closed));
        }
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CPU;
    }

    @Override
    public String description() {
        return "cpu, " + pool.threads() + " threads, " + kernel.name() + " kernel";
    }

    /** Whether the attention loops run on the Vector API. */
    public boolean usesVectorApi() {
        return !(kernel instanceof ScalarBlockAttention);
    }

    @Override
    public float[] attend(AttentionConfig config, AttentionInputs inputs) {
        requireOpen();
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        AttentionShape shape = inputs.shape();
        Mode mode = config.resolveMode(shape.queryLen(), shape.keyLen());
        if (mode == Mode.DENSE) {
            return DenseAttention.compute(pool, kernel, inputs, config.scale(shape.dim()));
        }
        return smyrf(config, inputs, false).output();
    }

    /**
     * SMYRF (SPEC steps 1-7) with every intermediate stage kept, whatever the configured mode.
     * {@code attend} in SMYRF mode returns exactly this trace's output.
     *
     * @throws IllegalArgumentException when the cluster sizes or projections do not fit the inputs
     */
    public SmyrfTrace trace(AttentionConfig config, AttentionInputs inputs) {
        requireOpen();
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        return smyrf(config, inputs, true);
    }

    /** The SMYRF stages; round outputs are kept only for a trace (the same code computes the output). */
    private SmyrfTrace smyrf(AttentionConfig config, AttentionInputs inputs, boolean keepRounds) {
        AttentionShape shape = inputs.shape();
        int batch = shape.batch();
        int nq = shape.queryLen();
        int nk = shape.keyLen();
        int d = shape.dim();
        int dv = shape.valueDim();
        int hashes = config.hashes();
        ClusterPlan plan = config.plan(nq, nk);
        config.requireWindowFits(nq, nk);
        float[] projections = config.projections(d);
        float scale = config.scale(d);

        GlobalKeys globalKeys = config.hasGlobalKeys()
                ? GlobalKeys.resolve(config.globalKeys(), inputs) : GlobalKeys.none(batch, nk);
        float[][] hashValues = XboxHashing.hash(pool, batch, d, hashes, projections,
                new XboxHashing.Side(inputs.q(), nq, d + 1), new XboxHashing.Side(inputs.k(), nk, d));
        int[][] orders = SortOrder.orders(pool, hashes, batch,
                new SortOrder.Side(hashValues[0], nq, plan.paddedQueryLen(), inputs::isQueryValid),
                new SortOrder.Side(hashValues[1], nk, plan.paddedKeyLen(),
                        (b, j) -> inputs.isKeyValid(b, j) && !globalKeys.isGlobal(b, j)));
        UnionCounts union = config.unionRounds()
                ? new UnionCounts(hashes, batch, nq, nk, plan, orders[0], orders[1]) : null;
        RoundCombine combine = new RoundCombine(batch * nq, dv);
        int window = config.localWindow();
        // The trace holds the window round, when there is one, after the hash rounds.
        int rounds = hashes + (window > 0 ? 1 : 0);
        float[] roundOutputs = keepRounds ? new float[rounds * batch * nq * dv] : null;
        float[] roundLse = keepRounds ? new float[rounds * batch * nq] : null;
        ClusterAttention.compute(pool, kernel, inputs, plan, hashes, scale, orders[0], orders[1], combine,
                roundOutputs, roundLse, globalKeys, union, window);
        if (window > 0) {
            LocalWindowAttention.compute(pool, kernel, inputs, window, scale, globalKeys, union,
                    ClusterAttention.logCounts(hashes + 1), combine, roundOutputs, roundLse, hashes);
        }
        float[] output = combine.finish(pool);
        return new SmyrfTrace(plan, hashValues[0], hashValues[1], orders[0], orders[1], roundOutputs, roundLse,
                output);
    }

    /** Stops the worker threads; later calls throw IllegalStateException. */
    @Override
    public void close() {
        closed = true;
        pool.close();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the CPU engine is closed");
        }
    }

    @Override
    public String toString() {
        return "CpuEngine[" + description() + "]";
    }
}
