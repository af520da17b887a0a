package org.smyrf4j.cuda;

import java.util.EnumMap;
import java.util.Map;

/**
 * The device buffers of a {@link CudaLayer} call besides its weights, kept between calls. A
 * buffer grows when a call needs more than it holds and is otherwise reused, so once the
 * largest shape has run, calls allocate nothing. The context must be current.
 */
final class LayerWorkspace {

    /** The buffers of one forward pass; shapes with B batch rows, N queries, M keys, h heads. */
    enum Role {
        /** x (B, N, dmodel) and, in cross-attention, memory (B, M, dmodel), as uploaded. */
        X, MEMORY,
        /** One projection in the model layout (B, N|M, dmodel), then the merged heads. */
        PROJECTED,
        /** Q and the attention output (B*h, N, dh); K and V (B*h, M, dh). */
        Q, K, V, O,
        /** y (B, N, dmodel). */
        Y,
        /** The key mask repeated per head, (B*h, M) bytes. */
        KEY_VALID
    }

    private final CudaContext context;
    private final Map<Role, DeviceBuffer> buffers = new EnumMap<>(Role.class);

    LayerWorkspace(CudaContext context) {
        this.context = context;
    }

    /** A buffer of at least {@code bytes} for {@code role}. */
    DeviceBuffer get(Role role, long bytes) {
        DeviceBuffer held = buffers.get(role);
        if (held != null && !held.isClosed() && held.bytes() >= bytes) {
            return held;
        }
        if (held != null) {
            buffers.remove(role);
            held.close();
        }
        DeviceBuffer fresh = context.allocate(bytes, "layer " + role.name());
        buffers.put(role, fresh);
        return fresh;
    }

    DeviceBuffer floats(Role role, long count) {
        return get(role, 4L * count);
    }

    /** Bytes held by all buffers. */
    long bytes() {
        long sum = 0;
        for (DeviceBuffer b : buffers.values()) {
            sum += b.bytes();
        }
        return sum;
    }

    /** Frees every buffer; the next call allocates again. Keeps the first failure, frees the rest. */
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
}
