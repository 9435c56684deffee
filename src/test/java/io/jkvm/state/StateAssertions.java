package io.jkvm.state;

import io.jkvm.bus.BusDevice;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Checks shared by every device's state test. */
public final class StateAssertions {
    private StateAssertions() {}

    public static byte[] encode(SavedState state) {
        StateWriter out = new StateWriter();
        state.writeTo(out);
        return out.toByteArray();
    }

    /** Decodes one record that must fill {@code bytes} exactly. */
    public static <S> S decode(byte[] bytes, Function<StateReader, S> readFrom) {
        StateReader in = new StateReader(bytes);
        S state = readFrom.apply(in);
        in.end();
        return state;
    }

    /**
     * Save {@code original}, restore the bytes into {@code fresh}, save again: the same bytes and
     * an equal record. Returns the bytes.
     */
    public static <S extends SavedState> byte[] assertSaveRestoreSave(Stateful<S> original, Stateful<S> fresh,
                                                                      Function<StateReader, S> readFrom) {
        S saved = original.state();
        byte[] first = encode(saved);
        S decoded = decode(first, readFrom);
        assertEquals(saved, decoded, "the record read back equals the one written");
        fresh.restore(decoded);
        byte[] second = encode(fresh.state());
        assertArrayEquals(first, second, "save -> restore -> save gives the same bytes");
        assertEquals(saved, fresh.state());
        return first;
    }

    /** Every proper prefix of {@code bytes} is refused with a {@link StateFormatException}. */
    public static void assertTruncationsRefused(byte[] bytes, Function<StateReader, ?> readFrom) {
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThrows(StateFormatException.class, () -> decode(cut, readFrom), "cut to " + n + " bytes");
        }
    }

    /**
     * Every single-byte corruption of {@code bytes} is either read (and then restores without
     * error into a device from {@code target}) or refused with a {@link StateFormatException}:
     * never another exception out of the reader or the device.
     */
    public static <S extends SavedState> void assertCorruptionsHandled(byte[] bytes, Function<StateReader, S> readFrom,
                                                                       Stateful<S> target) {
        for (int i = 0; i < bytes.length; i++) {
            for (int v : new int[] {0x00, 0x01, 0x7f, 0x80, 0xff}) {
                byte[] bad = bytes.clone();
                bad[i] = (byte) v;
                S state;
                try {
                    state = decode(bad, readFrom);
                } catch (StateFormatException refused) {
                    continue;
                }
                try {
                    target.restore(state);
                } catch (IllegalArgumentException refusedByTheDevice) {
                    // a state that does not fit this device (e.g. another fw_cfg item length)
                }
            }
        }
    }

    /** One guest access: a read (value ignored) or a write. */
    public record Access(boolean write, long offset, int size, long value) {
        public long applyTo(BusDevice device) {
            if (write) {
                device.write(offset, size, value);
                return 0;
            }
            return device.read(offset, size);
        }
    }

    /** Random accesses inside a window of {@code length} bytes, sizes from {@code sizes}, values biased to {@code values} half the time. */
    public static Access randomAccess(Random random, int length, int[] sizes, int[] values) {
        int size = sizes[random.nextInt(sizes.length)];
        long offset = random.nextInt(Math.max(1, length - size + 1));
        long value = values.length > 0 && random.nextBoolean() ? values[random.nextInt(values.length)] : random.nextLong();
        return new Access(random.nextBoolean(), offset, size, value);
    }
}
