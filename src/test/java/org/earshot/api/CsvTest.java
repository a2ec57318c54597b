package org.earshot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CsvTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "plain|plain",
            "a,b|`\"a,b\"`",
            "say \"hi\"|`\"say \"\"hi\"\"\"`",
            "=1+2|'=1+2",
            "+1|'+1",
            "-1|'-1",
            "@SUM(A1)|'@SUM(A1)",
            "=HYPERLINK(\"x\",\"y\")|`\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"`",
            "a=b|a=b"})
    void textIsEscapedAndFormulasDefused(String value, String expected) {
        assertEquals(expected, Csv.text(value));
    }

    @Test
    void lineBreaksAreQuotedAndRowsEndInCrlf() {
        assertEquals("\"a\nb\"", Csv.text("a\nb"));
        assertEquals("\"'\r=1\"", Csv.text("\r=1"));
        assertEquals("'\t=1", Csv.text("\t=1"));
        assertEquals("", Csv.text(null));
        assertEquals("-12.5", Csv.escape("-12.5"));
        assertEquals("1,\"x,y\",\r\n", Csv.row(List.of("1", Csv.text("x,y"), "")));
    }
}
