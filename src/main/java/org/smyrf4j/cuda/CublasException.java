package org.smyrf4j.cuda;

import jcuda.jcublas.cublasStatus;

/** A cuBLAS call failed; the message names the call and cuBLAS's status. */
public final class CublasException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public CublasException(int status, String call) {
        super(call + " failed: " + cublasStatus.stringFor(status) + " (" + status + ")");
        this.status = status;
    }

    /** cuBLAS's {@code cublasStatus_t} code. */
    public int status() { return status; }
}
