package org.smyrf4j.bert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's uncased tokenizer: basic tokenisation then WordPiece, as in the original BERT release.
 *
 * <ol>
 *   <li>Special tokens written in the text ({@code [CLS] [SEP] [MASK] [UNK] [PAD]}) stay whole.</li>
 *   <li>Basic: drop control characters, lower-case, strip accents (NFD, drop combining marks),
 *       split on whitespace, then split off every punctuation character and CJK ideograph
 *       as a token of its own.</li>
 *   <li>WordPiece: greedy longest match from the left; pieces after the first carry {@code ##};
 *       a word with no full match (or longer than {@link #MAX_WORD_CHARS}) becomes {@code [UNK]}.</li>
 * </ol>
 * Immutable and thread-safe.
 */
public final class WordPieceTokenizer {

    /** Words longer than this become [UNK] (BERT's max_input_chars_per_word). */
    static final int MAX_WORD_CHARS = 100;

    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String MASK = "[MASK]";
    public static final String UNK = "[UNK]";
    public static final String PAD = "[PAD]";
    private static final List<String> SPECIAL = List.of(CLS, SEP, MASK, UNK, PAD);

    private final List<String> vocab;
    private final Map<String, Integer> ids;

    /**
     * @param vocab the tokens by id; must hold [UNK]
     * @throws IllegalArgumentException when [UNK] is missing
     */
    public WordPieceTokenizer(List<String> vocab) {
        this.vocab = List.copyOf(vocab);
        this.ids = new HashMap<>();
        for (int i = 0; i < this.vocab.size(); i++) {
            ids.putIfAbsent(this.vocab.get(i), i);
        }
        if (!ids.containsKey(UNK)) {
            throw new IllegalArgumentException("vocab must hold " + UNK + " (" + vocab.size() + " tokens given)");
        }
    }

    /** Reads vocab.txt: one token per line, the line number is the id. */
    public static WordPieceTokenizer load(Path vocabFile) {
        try {
            return new WordPieceTokenizer(Files.readAllLines(vocabFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vocab " + vocabFile + ": " + e.getMessage(), e);
        }
    }

    public int vocabSize() {
        return vocab.size();
    }

    /** The id of a token, or -1. */
    public int id(String token) {
        return ids.getOrDefault(token, -1);
    }

    /**
     * The id of a token the model cannot work without.
     *
     * @throws IllegalArgumentException when the vocab lacks it
     */
    public int requiredId(String token) {
        int id = id(token);
        if (id < 0) {
            throw new IllegalArgumentException("vocab has no token " + token);
        }
        return id;
    }

    public String token(int id) {
        return vocab.get(id);
    }

    /** Word pieces of {@code text}, without [CLS]/[SEP]. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String word : basicTokens(text)) {
            if (SPECIAL.contains(word)) {
                out.add(word);
            } else {
                wordPieces(word, out);
            }
        }
        return out;
    }

    /** Ids of {@link #tokenize}. */
    public int[] encode(String text) {
        List<String> tokens = tokenize(text);
        int[] out = new int[tokens.size()];
        int unk = ids.get(UNK);
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.getOrDefault(tokens.get(i), unk);
        }
        return out;
    }

    /** Basic tokenisation (steps 1-2 of the class comment). */
    static List<String> basicTokens(String text) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int special = -1;
            String which = null;
            for (String s : SPECIAL) {
                int at = text.indexOf(s, from);
                if (at >= 0 && (special < 0 || at < special)) {
                    special = at;
                    which = s;
                }
            }
            int end = special < 0 ? text.length() : special;
            splitPlain(text.substring(from, end), out);
            if (special < 0) {
                break;
            }
            out.add(which);
            from = special + which.length();
        }
        return out;
    }

    private static void splitPlain(String text, List<String> out) {
        String lower = Normalizer.normalize(text.toLowerCase(java.util.Locale.ROOT), Normalizer.Form.NFD);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < lower.length(); ) {
            int c = lower.codePointAt(i);
            i += Character.charCount(c);
            int type = Character.getType(c);
            if (c == 0 || c == 0xFFFD || type == Character.NON_SPACING_MARK
                    || (isControl(c) && !Character.isWhitespace(c))) {
                continue;
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                flush(word, out);
            } else if (isPunctuation(c) || isCjk(c)) {
                flush(word, out);
                out.add(new String(Character.toChars(c)));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, out);
    }

    private static void flush(StringBuilder word, List<String> out) {
        if (word.length() > 0) {
            out.add(word.toString());
            word.setLength(0);
        }
    }

    private void wordPieces(String word, List<String> out) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
            out.add(UNK);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            String found = null;
            for (int end = word.length(); end > start; end--) {
                String piece = (start > 0 ? "##" : "") + word.substring(start, end);
                if (ids.containsKey(piece)) {
                    found = piece;
                    start = end;
                    break;
                }
            }
            if (found == null) {
                out.add(UNK);
                return;
            }
            pieces.add(found);
        }
        out.addAll(pieces);
    }

    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT;
    }

    /** ASCII symbols count as punctuation (as in BERT), plus Unicode's P* classes. */
    private static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    private static boolean isCjk(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
