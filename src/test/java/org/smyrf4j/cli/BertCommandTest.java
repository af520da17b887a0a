package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.bert.TinyBert;
import org.smyrf4j.weights.TinyCheckpointWriter;

/** {@code bert} on a tiny random BERT in a SavedModel folder: the table, and errors that name the option. */
class BertCommandTest {

    private static final int VOCAB = 24;

    @TempDir
    Path dir;

    private Path savedModel() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model.resolve("variables"));
        Files.createDirectories(model.resolve("assets"));
        TinyCheckpointWriter.write(model.resolve("variables").resolve("variables"),
                TinyBert.tensors(3, 8, 16, VOCAB, 32, 2), 4);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","));
        for (char c = 'a'; vocab.size() < VOCAB; c++) {
            vocab.add(String.valueOf(c));
        }
        Files.write(model.resolve("assets").resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        return model;
    }

    @Test
    void printsDenseAndChosenAttention() throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), "a b c d e f g h i j k l m n o p. ".repeat(20));
        CliRun run = CliRun.of("bert", "--model", savedModel().toString(), "--text", text.toString(), "--length", "16",
                "--sequences", "3", "--heads", "2", "--hashes", "2", "--query-cluster", "4", "--global-keys", "0,-1",
                "--union-rounds", "--dense-layers", "1", "--backend", "cpu");
        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        String out = run.out();
        assertTrue(out.contains("3 windows x 16 tokens, 6 masked"), out);
        assertTrue(out.contains("gemm: attention cpu, ") && out.contains("; feed-forward and MLM head cpu, "), out);
        assertTrue(out.contains("dense ") && out.contains("1.000   1.0000"), out);
        assertTrue(out.contains("smyrf H=2 Cq=4 Ck=4 (4 clusters) global keys [0, -1] union softmax dense [1]"), out);
    }

    @Test
    void tooShortTextsAndBadLayersAreNamed() throws IOException {
        Path model = savedModel();
        Path text = Files.writeString(dir.resolve("short.txt"), "a b c");
        CliRun run = CliRun.of("bert", "--model", model.toString(), "--text", text.toString(), "--length", "16",
                "--heads", "2", "--backend", "cpu");
        assertTrue(run.exitCode() != Main.EXIT_OK, run::toString);
        assertTrue(run.err().contains("--sequences"), run::toString);
        CliRun layers = CliRun.of("bert", "--model", model.toString(), "--text", text.toString(), "--heads", "2",
                "--dense-layers", "5", "--backend", "cpu");
        assertTrue(layers.err().contains("--dense-layers 5"), layers::toString);
    }
}
