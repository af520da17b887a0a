package org.smyrf4j.cuda;

/**
 * One {@code extern "C"} kernel of the pack and the block size its launcher uses.
 *
 * @param family       the .cu file it lives in, without extension ("hash", "sort", ...)
 * @param name         the entry point, e.g. "smyrf_hash_queries"
 * @param blockThreads threads per block of every launch (checked against the compiled kernel's limit)
 */
record EntryPoint(String family, String name, int blockThreads) {
}
