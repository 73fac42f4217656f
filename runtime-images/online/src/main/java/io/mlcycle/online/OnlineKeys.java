package io.mlcycle.online;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The Redis key layout and the packed row value.
 *
 * <ul>
 *   <li>{@code mlcycle:fv:<view>:current} → {@link OnlineVersion} JSON (the one pointer readers
 *       follow; flipped by one SET)
 *   <li>{@code mlcycle:fv:<view>:<tag>} → the version's feature names in index order (JSON array)
 *   <li>{@code mlcycle:fv:<view>:<tag>:<entity>} → one row: byte 1 (format), then per non-zero a
 *       big-endian int32 feature index and the float32 bits of its value, indices ascending
 * </ul>
 */
public final class OnlineKeys {

    public static final String PREFIX = "mlcycle:fv:";
    static final byte FORMAT = 1;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private OnlineKeys() {}

    /** Rejects a FeatureView name that could break the key layout or a SCAN pattern. */
    public static String checkView(String view) {
        if (view == null || !NAME.matcher(view).matches()) {
            throw new IllegalArgumentException(
                    "featureView '"
                            + view
                            + "' is not a valid online store name (letters, digits, '.', '_', '-')");
        }
        return view;
    }

    public static String current(String view) {
        return PREFIX + view + ":current";
    }

    public static String catalog(String view, String tag) {
        return PREFIX + view + ":" + tag;
    }

    public static String rowPrefix(String view, String tag) {
        return PREFIX + view + ":" + tag + ":";
    }

    public static byte[] row(String view, String tag, String entity) {
        return (rowPrefix(view, tag) + entity).getBytes(StandardCharsets.UTF_8);
    }

    /** Packs non-zeros {@code cols/values[from..to)}. */
    public static byte[] encode(int[] cols, float[] values, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 * (to - from));
        b.put(FORMAT);
        for (int k = from; k < to; k++) {
            b.putInt(cols[k]);
            b.putInt(Float.floatToRawIntBits(values[k]));
        }
        return b.array();
    }

    /** Number of non-zeros in a packed row; a value that is not one is an error naming the key. */
    public static int length(byte[] value, String key) {
        if (value.length < 1 || value[0] != FORMAT || (value.length - 1) % 8 != 0) {
            throw new OnlineStoreException(
                    "CorruptValue",
                    "online store value of "
                            + key
                            + " is not an mlcycle row ("
                            + value.length
                            + " bytes)");
        }
        return (value.length - 1) / 8;
    }

    /** Feature index of non-zero {@code k} of a packed row. */
    public static int index(byte[] value, int k) {
        return ByteBuffer.wrap(value).getInt(1 + 8 * k);
    }

    /** Value of non-zero {@code k} of a packed row (bit-exact). */
    public static float value(byte[] value, int k) {
        return Float.intBitsToFloat(ByteBuffer.wrap(value).getInt(5 + 8 * k));
    }
}
