package io.jkvm.qemu;

import io.jkvm.qemu.QemuSuboptions.Pair;
import io.jkvm.qemu.QemuSuboptions.Parsed;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QEMU's suboption syntaxes: QemuOpts (util/qemu-option.c), keyval (util/keyval.c), and get_opt_value lists. */
class QemuSuboptionsTest {
    @Test
    void optsImpliedFirstKeyThenPairs() {
        Parsed p = QemuSuboptions.opts("isa-debug-exit,iobase=0xf4,iosize=0x04", "driver");
        assertEquals(List.of(new Pair("driver", "isa-debug-exit", true), new Pair("iobase", "0xf4", false),
                new Pair("iosize", "0x04", false)), p.pairs());
        assertFalse(p.help());
    }

    @Test
    void optsExplicitFirstKeyIsNotImplied() {
        Parsed p = QemuSuboptions.opts("name=opt/x,string=a=b", "name");
        assertEquals(List.of(new Pair("name", "opt/x", false), new Pair("string", "a=b", false)), p.pairs());
    }

    @Test
    void optsDoubleCommaIsALiteralCommaInImpliedAndExplicitValues() {
        Parsed p = QemuSuboptions.opts("a,,b,c=d,,e,,,f", "name");
        assertEquals(List.of(new Pair("name", "a,b", true), new Pair("c", "d,e,", false), new Pair("f", "on", false)),
                p.pairs());
    }

    @Test
    void optsFlagsAreOnOrOffAndHelpIsNoticed() {
        Parsed p = QemuSuboptions.opts("x,nofoo,bar,help", "k");
        assertEquals(List.of(new Pair("k", "x", true), new Pair("foo", "off", false), new Pair("bar", "on", false),
                new Pair("help", "on", false)), p.pairs());
        assertTrue(p.help());
        assertTrue(QemuSuboptions.opts("x,?", "k").help());
    }

    @Test
    void optsWithoutImpliedKeyTakesTheFirstElementAsAFlag() {
        assertEquals(List.of(new Pair("foo", "on", false)), QemuSuboptions.opts("foo", null).pairs());
    }

    @Test
    void optsEdgeCases() {
        assertEquals(List.of(), QemuSuboptions.opts("", "driver").pairs());
        assertEquals(List.of(new Pair("driver", "", true), new Pair("x", "1", false)),
                QemuSuboptions.opts(",x=1", "driver").pairs());
        assertEquals(List.of(new Pair("a", "1", false)), QemuSuboptions.opts("a=1,", null).pairs());
        assertEquals(List.of(new Pair("a", "", false)), QemuSuboptions.opts("a=", null).pairs());
    }

    @Test
    void getAndMapTakeTheLastValue() {
        Parsed p = QemuSuboptions.opts("x,a=1,b=2,a=3", "k");
        assertEquals("3", p.get("a"));
        assertNull(p.get("c"));
        assertEquals(Map.of("k", "x", "a", "3", "b", "2"), p.map());
        assertEquals(List.of("k", "a", "b"), List.copyOf(p.map().keySet()));
    }

    @Test
    void keyvalImpliedKeyAndPairs() {
        Parsed p = QemuSuboptions.keyval("pc,accel=kvm", "type");
        assertEquals(List.of(new Pair("type", "pc", true), new Pair("accel", "kvm", false)), p.pairs());
        assertFalse(p.help());
        assertEquals(List.of(new Pair("type", "microvm", false)), QemuSuboptions.keyval("type=microvm", "type").pairs());
        assertEquals(List.of(new Pair("type", "a", true), new Pair("b", "x,y", false)),
                QemuSuboptions.keyval("a,b=x,,y", "type").pairs());
    }

    @Test
    void keyvalHelpAnywhere() {
        Parsed help = QemuSuboptions.keyval("help", "type");
        assertTrue(help.help());
        assertEquals(List.of(), help.pairs());
        assertTrue(QemuSuboptions.keyval("?", "type").help());
        Parsed typed = QemuSuboptions.keyval("pc,help", "type");
        assertTrue(typed.help());
        assertEquals(List.of(new Pair("type", "pc", true)), typed.pairs());
    }

    @Test
    void keyvalRefusesFlagsAndBadKeys() {
        assertEquals("Expected '=' after parameter 'usb'",
                assertThrows(IllegalArgumentException.class, () -> QemuSuboptions.keyval("pc,usb", "type")).getMessage());
        assertEquals("Invalid parameter ''",
                assertThrows(IllegalArgumentException.class, () -> QemuSuboptions.keyval("pc,=1", "type")).getMessage());
        assertEquals("Invalid parameter '1x'",
                assertThrows(IllegalArgumentException.class, () -> QemuSuboptions.keyval("pc,1x=2", "type")).getMessage());
        // The implied value ends at the first comma: ",," does not escape there.
        assertEquals("Invalid parameter ''",
                assertThrows(IllegalArgumentException.class, () -> QemuSuboptions.keyval("p,,c", "type")).getMessage());
        // Without an implied key the first element needs '=' too.
        assertEquals("Expected '=' after parameter 'pc'",
                assertThrows(IllegalArgumentException.class, () -> QemuSuboptions.keyval("pc", null)).getMessage());
    }

    @Test
    void keyvalKeys() {
        assertTrue(QemuSuboptions.validKey("kernel-irqchip"));
        assertTrue(QemuSuboptions.validKey("kernel_irqchip"));
        assertTrue(QemuSuboptions.validKey("a.b"));
        assertTrue(QemuSuboptions.validKey("a.0"));
        assertFalse(QemuSuboptions.validKey("0.a"));
        assertFalse(QemuSuboptions.validKey("a..b"));
        assertFalse(QemuSuboptions.validKey("a b"));
        assertFalse(QemuSuboptions.validKey(""));
    }

    /** As qemu-system-x86_64 7.2 loads multiboot modules (checked with the binary: "a," loads a, "," fails on ''). */
    @Test
    void splitListAsMultibootSplitsInitrd() {
        assertEquals(List.of("a b", "c"), QemuSuboptions.splitList("a b,c"));
        assertEquals(List.of("a,b"), QemuSuboptions.splitList("a,,b"));
        assertEquals(List.of(), QemuSuboptions.splitList(""));
        assertEquals(List.of("a"), QemuSuboptions.splitList("a,"));
        assertEquals(List.of("a,"), QemuSuboptions.splitList("a,,"));
        assertEquals(List.of("a,"), QemuSuboptions.splitList("a,,,"));
        assertEquals(List.of(""), QemuSuboptions.splitList(","));
        assertEquals(List.of(",", "x"), QemuSuboptions.splitList(",,,x"));
        assertEquals(List.of("", "x"), QemuSuboptions.splitList(",x"));
    }

    @Test
    void readValueStopsAtASingleComma() {
        StringBuilder sb = new StringBuilder();
        assertEquals(5, QemuSuboptions.readValue("ab,,c,d", 0, sb));
        assertEquals("ab,c", sb.toString());
    }
}
