package org.smyrf4j.cuda;

import java.util.EnumMap;
import java.util.Map;

/**
 * Device buffers kept between calls, one per slot of the enum {@code K}: every buffer an engine
 * call needs besides the caller's tensors ({@link Slot}), or a layer's ({@link CudaLayer.Role}).
 * A slot grows when a call needs more than it holds and is otherwise reused, so once the
 * largest shape has run, further calls allocate nothing. {@link #release()} frees all slots
 * (after a failure, or to give memory back). The context must be current for every call.
 *
 * @param <K> the slots
 */
final class Workspace<K extends Enum<K>> implements AutoCloseable {

    /** The engine's buffers, named after the launch sequence's parameters (docs/kernels.md). */
    enum Slot {
        /** Host-path copies of the inputs and the output. */
        Q, K, V, KEY_VALID, OUT,
        /** Projections A, (d+2, H). */
        PROJECTIONS,
        /** Per-row max squared norms, (B). */
        MAX_SQ_Q, MAX_SQ_K,
        /** Sort keys, (H, B, S) uint64. */
        QUERY_KEYS, KEY_KEYS,
        /** Orders, (H, B, N') int. */
        QUERY_ORDER, KEY_ORDER,
        /** Per-round outputs (H, B, Nq, dv) and log-sum-exps (H, B, Nq). */
        ROUND_OUT, ROUND_LSE,
        /** Hashes, (H, B, N): only traced calls ask for them. */
        QUERY_HASHES, KEY_HASHES,
        /** SPEC Extensions: global keys (B, G) int and the keys' sort mask (B, Nk) uint8. */
        GLOBAL_KEYS, KEY_SORT_VALID,
        /** SPEC Extensions, union softmax: cluster ids (H, B, Nq) and (H, B, Nk) int. */
        QUERY_CLUSTERS, KEY_CLUSTERS
    }

    private final CudaContext context;
    private final Map<K, DeviceBuffer> buffers;
    /** Prefixed to a slot's name in allocation errors ("layer Q"). */
    private final String label;

    Workspace(CudaContext context, Class<K> slots, String label) {
        this.context = context;
        this.buffers = new EnumMap<>(slots);
        this.label = label;
    }

    /** A buffer of at least {@code bytes} for {@code slot}. */
    DeviceBuffer get(K slot, long bytes) {
        DeviceBuffer held = buffers.get(slot);
        if (held != null && !held.isClosed() && held.bytes() >= bytes) {
            return held;
        }
        if (held != null) {
            buffers.remove(slot);
            held.close();
        }
        DeviceBuffer fresh = context.allocate(bytes, label + slot.name());
        buffers.put(slot, fresh);
        return fresh;
    }

    DeviceBuffer floats(K slot, long count) {
        return get(slot, 4L * count);
    }

    /** Bytes held by all slots. */
    long bytes() {
        long sum = 0;
        for (DeviceBuffer b : buffers.values()) {
            sum += b.bytes();
        }
        return sum;
    }

    /** Frees every slot; the next call allocates again. */
    void release() {
        RuntimeException first = null;
        for (DeviceBuffer b : buffers.values()) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        buffers.clear();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        release();
    }
}
