package org.smyrf4j.cuda;

/**
 * Which image of the kernel pack serves a card.
 *
 * @param target a manifest target: {@code sm_XY} (a cubin) or {@code compute_XY} (PTX)
 * @param ptx    whether the driver JIT-compiles PTX at load time
 * @param why    how it was chosen, e.g. "sm_86 cubin (binary compatible with 8.7)"
 */
public record KernelImage(String target, boolean ptx, String why) {
}
