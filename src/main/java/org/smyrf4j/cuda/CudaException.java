package org.smyrf4j.cuda;

import jcuda.driver.CUresult;

/**
 * A CUDA driver call failed. The message names the call (and, for kernels, the entry point or
 * stage), the driver's error name and code, so a log line is enough to find the failing step.
 */
public final class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int result;
    private final String call;

    public CudaException(int result, String call) {
        super(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
        this.result = result;
        this.call = call;
    }

    /** The driver's {@code CUresult} code. */
    public int result() { return result; }

    /** The call that failed, e.g. {@code "cuMemAlloc(roundOut, 1048576 bytes)"}. */
    public String call() { return call; }

    /** The driver's name for the code, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String errorName() { return CUresult.stringFor(result); }
}
