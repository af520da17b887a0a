package org.smyrf4j.cuda;

import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;

/**
 * The one place where CUDA driver and cuBLAS results are checked: every call passes its result
 * here with its name. JCuda's JVM-wide exception switch stays off so other libraries are not affected.
 */
final class CudaCheck {

    private CudaCheck() {
    }

    /**
     * @param result the {@code CUresult} a driver call returned
     * @param call   what was called, with enough detail to find it (entry point, buffer, stage)
     * @throws CudaException when {@code result} is not {@code CUDA_SUCCESS}
     */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(result, call);
        }
    }

    /**
     * @param status the {@code cublasStatus_t} a cuBLAS call returned
     * @param call   what was called, e.g. "cublasGemmEx(query, 64 x 768 x 768)"
     * @throws CublasException when {@code status} is not {@code CUBLAS_STATUS_SUCCESS}
     */
    static void checkCublas(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CublasException(status, call);
        }
    }
}
