package org.smyrf4j.cuda;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.smyrf4j.bert.TinyBert;
import org.smyrf4j.cli.Main;
import org.smyrf4j.weights.TinyCheckpointWriter;

/**
 * CudaBertTest's comparison ({@link BertParity}) on a tiny BERT, end to end on whatever
 * libcuda.so.1 the process finds, meant for the stand-in of {@code make fakecuda}
 * (FakeCudaBertTest runs it in a child JVM with {@code -Dsmyrf4j.gemm=kernels}); then
 * {@code bert --backend cuda} on the command line, which must name the CUDA engine and the
 * kernel pack's GEMM and print the table of {@code bert --backend cpu} (times aside). Exits 0
 * when everything agrees, 3 when CUDA is unusable (with the reason), else throws.
 */
final class FakeBertSmoke {

    /** Hidden 16, 2 heads of 8, 2 layers, 2 sequences of 24 tokens (17 real in the second), clusters of 8. */
    static final BertParity.Sizes SIZES = new BertParity.Sizes(16, 2, 2, 24, new int[] {24, 17}, 8, 30);

    private static final int CLI_VOCAB = 24;

    private FakeBertSmoke() {
    }

    public static void main(String[] args) throws Exception {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            System.out.println("CUDA unusable: " + probe.reason());
            System.exit(3);
        }
        Path dir = Files.createTempDirectory("fake-bert-smoke");
        GemmSettings kernels = GemmSettings.DEFAULT.withRequest(GemmSettings.Request.KERNELS);
        try (CudaEngine gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED);
                BertParity bert = BertParity.open(dir, SIZES, 2)) {
            bert.check("fake bert", new FixedGemmBackend(gpu, kernels), BertParity.Runs.LIGHT, System.out);
        }
        bertCommand(dir);
        System.out.println("fake bert smoke: OK");
    }

    /** {@code bert --backend cuda} against {@code bert --backend cpu} on a tiny SavedModel folder. */
    private static void bertCommand(Path dir) throws Exception {
        Path model = dir.resolve("model");
        Files.createDirectories(model.resolve("variables"));
        Files.createDirectories(model.resolve("assets"));
        TinyCheckpointWriter.write(model.resolve("variables").resolve("variables"),
                TinyBert.tensors(3, 8, 16, CLI_VOCAB, 32, 2), 4);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","));
        for (char c = 'a'; vocab.size() < CLI_VOCAB; c++) {
            vocab.add(String.valueOf(c));
        }
        Files.write(model.resolve("assets").resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        Path text = Files.writeString(dir.resolve("text.txt"), "a b c d e f g h i j k l m n o p. ".repeat(20));
        String[] common = {"bert", "--model", model.toString(), "--text", text.toString(), "--length", "16",
            "--sequences", "3", "--heads", "2", "--hashes", "2", "--query-cluster", "4", "--global-keys", "0,-1",
            "--union-rounds", "--dense-layers", "1"};
        String cuda = cli(common, "--backend", "cuda");
        String cpu = cli(common, "--backend", "cpu");
        require(cuda.contains("; cuda (") && cuda.contains("gemm: attention kernel pack (requested);"), cuda);
        require(cpu.contains("; cpu (") && cpu.contains("gemm: attention cpu, "), cpu);
        require(table(cuda).equals(table(cpu)), "bert --backend cuda and --backend cpu differ:\n" + cuda + cpu);
        System.out.println("bert command on cuda:\n" + cuda.strip());
    }

    /** The table's rows with the time column left out: label, accuracy, agreement, cosine, MiB. */
    private static List<String> table(String output) {
        List<String> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : output.lines().toList()) {
            if (line.startsWith("attention ")) {
                inTable = true;
            } else if (inTable && !line.isBlank()) {
                String[] fields = line.trim().split("\\s+");
                int n = fields.length;
                String label = String.join(" ", Arrays.copyOf(fields, n - 5));
                rows.add(label + " | " + fields[n - 5] + " " + fields[n - 4] + " " + fields[n - 3] + " " + fields[n - 1]);
            }
        }
        require(rows.size() == 2, "want the dense row and the chosen row:\n" + output);
        return rows;
    }

    /** Runs the command line in this JVM; returns stdout and stderr, failing on a non-zero exit. */
    private static String cli(String[] common, String... more) {
        String[] args = Arrays.copyOf(common, common.length + more.length);
        System.arraycopy(more, 0, args, common.length, more.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        require(code == Main.EXIT_OK, String.join(" ", args) + " exited with " + code + ":\n" + out + err);
        return out + err.toString();
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
