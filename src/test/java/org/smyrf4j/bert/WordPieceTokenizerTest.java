package org.smyrf4j.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** BERT's uncased tokenisation on a tiny vocabulary. */
class WordPieceTokenizerTest {

    private static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "un",
            "##aff", "##able", "run", "##ning", ",", ".", "!", "cafe", "hello", "world", "中");

    private final WordPieceTokenizer tokenizer = new WordPieceTokenizer(VOCAB);

    @Test
    void basicSplitsLowersStripsAccentsAndKeepsSpecialTokens() {
        assertEquals(List.of("hello", ",", "world", "!", "[MASK]", "cafe", "中", "文"),
                WordPieceTokenizer.basicTokens(" Hello,World! [MASK]\tCAFÉ中文\u0000"));
    }

    @Test
    void wordPiecesAreGreedyLongestMatches() {
        assertEquals(List.of("un", "##aff", "##able", "run", "##ning", ",", "the", "[UNK]", "."),
                tokenizer.tokenize("unaffable running, the unknown."));
        assertArrayEquals(new int[] {5, 4, 12}, tokenizer.encode("The [MASK]."));
    }

    @Test
    void tooLongWordsAndMissingUnkAreHandled() {
        assertEquals(List.of("[UNK]"), tokenizer.tokenize("a".repeat(WordPieceTokenizer.MAX_WORD_CHARS + 1)));
        assertThrows(IllegalArgumentException.class, () -> new WordPieceTokenizer(List.of("a", "b")));
        assertEquals(-1, tokenizer.id("zzz"));
    }
}
