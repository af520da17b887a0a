package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.KernelGeometry.ELEMENTWISE_THREADS;
import static org.smyrf4j.cuda.KernelGeometry.ceilDiv;

import java.util.List;

/**
 * Launcher of heads.cu: the layer's moves between the model layout (B, len, heads*headDim) and
 * the attention layout (B*heads, len, headDim), batch row b*heads + hh; PyTorch's
 * {@code view(B, len, heads, headDim).transpose(1, 2)} and back. Grid
 * ceil(B*len*heads*headDim / ELEMENTWISE_THREADS) x ELEMENTWISE_THREADS, one output element per thread.
 */
final class HeadKernels {

    static final String FAMILY = "heads";
    static final EntryPoint SPLIT_HEADS = new EntryPoint(FAMILY, "smyrf_split_heads", ELEMENTWISE_THREADS);
    static final EntryPoint MERGE_HEADS = new EntryPoint(FAMILY, "smyrf_merge_heads", ELEMENTWISE_THREADS);
    static final List<EntryPoint> ENTRY_POINTS = List.of(SPLIT_HEADS, MERGE_HEADS);

    private final KernelLauncher launcher;

    HeadKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /** x (B, len, heads*headDim) -> out (B*heads, len, headDim). */
    void split(DeviceBuffer x, int batch, int len, int heads, int headDim, DeviceBuffer out) {
        launch(SPLIT_HEADS, x, batch, len, heads, headDim, out);
    }

    /** x (B*heads, len, headDim) -> out (B, len, heads*headDim). */
    void merge(DeviceBuffer x, int batch, int len, int heads, int headDim, DeviceBuffer out) {
        launch(MERGE_HEADS, x, batch, len, heads, headDim, out);
    }

    private void launch(EntryPoint entry, DeviceBuffer x, int batch, int len, int heads, int headDim,
            DeviceBuffer out) {
        long elements = (long) batch * len * heads * headDim;
        GemmKernels.requireFloats("x", x, elements);
        GemmKernels.requireFloats("out", out, elements);
        launcher.launch(KernelLaunch.of(entry).grid(ceilDiv(elements, ELEMENTWISE_THREADS))
                .in("x", x).i("B", batch).i("len", len).i("heads", heads).i("headDim", headDim).out("out", out)
                .build());
    }
}
