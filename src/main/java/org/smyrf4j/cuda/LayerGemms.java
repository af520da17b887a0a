package org.smyrf4j.cuda;

/**
 * The device GEMMs an engine offers its layers: the kernel pack's always, cuBLAS once it has
 * loaded and started on the engine's stream. Owns the cuBLAS handle (one per engine, made on
 * first use). Called with the engine's lock held and its context current.
 */
final class LayerGemms implements AutoCloseable {

    private final CudaStream stream;
    private final GemmKernels kernels;
    private CublasHandle cublas;
    /** Why cuBLAS does not run, once a try failed: a failed load is final for the JVM. */
    private String cublasProblem;

    LayerGemms(CudaStream stream, GemmKernels kernels) {
        this.stream = stream;
        this.kernels = kernels;
    }

    /**
     * The GEMM for {@code settings}.
     *
     * @throws IllegalStateException when cuBLAS is requested but does not run here (with why)
     */
    DeviceGemm choose(GemmSettings settings) {
        if (settings.request() == GemmSettings.Request.KERNELS) {
            return new KernelGemm(kernels, GemmChoice.kernels("requested"));
        }
        String problem = startCublas();
        if (problem == null) {
            return new CublasGemm(cublas, kernels, settings.tf32());
        }
        if (settings.request() == GemmSettings.Request.CUBLAS) {
            throw new IllegalStateException("cuBLAS GEMM requested but unavailable: " + problem
                    + " (-D" + GemmSettings.PROPERTY + "=auto falls back to the kernel pack's GEMM)");
        }
        return new KernelGemm(kernels, GemmChoice.kernels(problem));
    }

    /** Null once cuBLAS runs on the stream, else why not. Never throws. */
    private String startCublas() {
        if (cublas != null || cublasProblem != null) {
            return cublasProblem;
        }
        String load = CublasLibrary.loadProblem();
        if (load != null) {
            cublasProblem = CublasLibrary.LIBRARY + " not loadable: " + load;
            return cublasProblem;
        }
        try {
            cublas = CublasHandle.create(stream);
        } catch (Throwable t) {
            // A driver or library mismatch must not take the layer down: the kernels take over.
            cublasProblem = "cuBLAS does not start: " + CublasLibrary.reason(t);
        }
        return cublasProblem;
    }

    /** Destroys the cuBLAS handle, if one was made. */
    @Override
    public void close() {
        if (cublas != null) {
            CublasHandle handle = cublas;
            cublas = null;
            handle.close();
        }
    }
}
