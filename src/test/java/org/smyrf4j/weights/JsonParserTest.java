package org.smyrf4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.smyrf4j.weights.SafetensorsTest.assertMessage;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonParserTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = JsonParser.parse(" {\"s\": \"a\\\"b\\\\c\\/\\n\\u00e9\\t\", \"i\": -12, \"big\": 12345678901234,"
                + " \"f\": 1.5e2, \"z\": 0, \"l\": [true, false, null, []], \"o\": {}} ", "test");
        Map<String, Object> want = new LinkedHashMap<>();
        want.put("s", "a\"b\\c/\n\u00e9\t");
        want.put("i", -12L);
        want.put("big", 12345678901234L);
        want.put("f", 150.0);
        want.put("z", 0L);
        want.put("l", Arrays.asList(true, false, null, List.of()));
        want.put("o", Map.of());
        assertEquals(want, v);
    }

    @Test
    void refusesWhatJsonDoesNotAllow() {
        assertMessage(() -> JsonParser.parse("{\"a\": 01}", "h"), "h is not valid JSON", "',' or '}'");
        assertMessage(() -> JsonParser.parse("{'a': 1}", "h"), "a string key at offset 1");
        assertMessage(() -> JsonParser.parse("[1, 2,]", "h"), "a value at offset 6");
        assertMessage(() -> JsonParser.parse("\"tab\there\"", "h"), "no raw control character");
        assertMessage(() -> JsonParser.parse("\"\\x\"", "h"), "a valid escape");
        assertMessage(() -> JsonParser.parse("{} {}", "h"), "end of JSON after the top-level value");
        assertMessage(() -> JsonParser.parse("[1.]", "h"), "a digit after '.'");
        assertMessage(() -> JsonParser.parse("tru", "h"), "a value at offset 0");
        assertMessage(() -> JsonParser.parse("\"open", "h"), "a closing '\"'", "found the end");
        assertMessage(() -> JsonParser.parse("[".repeat(JsonParser.MAX_DEPTH + 2), "h"), "levels of nesting");
    }
}
