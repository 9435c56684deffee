package io.jkvm.devices;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PortLoggerTest {

    @Test
    void printsInTheOriginalProgramsWords() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PortLogger logger = new PortLogger(0x10, new PrintStream(out, true, StandardCharsets.UTF_8));
        logger.write(0, 1, 5);
        logger.write(1, 1, 6);
        assertEquals(0, logger.read(0, 2));
        String nl = System.lineSeparator();
        assertEquals("out port: 16, data: 5" + nl + "out port: 17, data: 6" + nl + "in port: 16, size: 2" + nl,
                out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void countsAccessesAndKeepsTheLastValue() {
        PortLogger logger = new PortLogger(0x10, null);
        assertEquals(-1, logger.lastValue());
        logger.write(0, 1, 1);
        logger.write(0, 1, 2);
        logger.write(0, 1, 3);
        logger.read(0, 1);
        assertEquals(3, logger.writes());
        assertEquals(1, logger.reads());
        assertEquals(3, logger.lastValue());
    }
}
