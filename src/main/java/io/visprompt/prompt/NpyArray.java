package io.visprompt.prompt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A float32 array in NumPy's {@code .npy} format (version 1.0, little-endian, C order), the exchange format of
 * prompt tensors: {@code numpy.load} reads what {@link #write} makes, and {@link #read} takes what
 * {@code numpy.save} makes from a float32 array.
 */
record NpyArray(int[] shape, float[] values) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final Pattern DIMENSION = Pattern.compile("[0-9]{1,18}");
    private static final int MAX_ELEMENTS = 3 * 4096 * 4096;

    byte[] write() {
        String dims = shape.length == 1 ? shape[0] + "," : String.join(", ", Arrays.stream(shape).mapToObj(String::valueOf).toList());
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = MAGIC.length + 2 + 2 + header.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        header = header + " ".repeat(padding) + "\n";
        ByteBuffer buffer = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + values.length * 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    /** Reads a float32 .npy; anything else is an {@link InvalidNpyException} naming {@code field}. */
    static NpyArray read(InputStream in, String field) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
            throw new InvalidNpyException(field, "not a NumPy .npy file");
        }
        int major = magic[6];
        int headerLength;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            throw new InvalidNpyException(field, "unsupported .npy version " + major);
        }
        if (headerLength <= 0 || headerLength > 65536) {
            throw new InvalidNpyException(field, "malformed .npy header");
        }
        String header = new String(in.readNBytes(headerLength), StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher order = ORDER.matcher(header);
        Matcher shapeMatch = SHAPE.matcher(header);
        if (!descr.find() || !order.find() || !shapeMatch.find()) {
            throw new InvalidNpyException(field, "malformed .npy header");
        }
        if (!"<f4".equals(descr.group(1))) {
            throw new InvalidNpyException(field, "dtype must be little-endian float32 ('<f4'), not '" + descr.group(1) + "'");
        }
        if ("True".equals(order.group(1))) {
            throw new InvalidNpyException(field, "Fortran-ordered arrays are not accepted; save a C-ordered array");
        }
        int[] shape = parseShape(shapeMatch.group(1), field);
        long count = 1;
        for (int dimension : shape) {
            count *= dimension; // each factor is at most MAX_ELEMENTS, checked as it grows: no overflow
            if (count > MAX_ELEMENTS) {
                throw new InvalidNpyException(field, "array too large (at most " + MAX_ELEMENTS + " values)");
            }
        }
        byte[] bytes = in.readNBytes((int) count * 4);
        if (bytes.length != count * 4) {
            throw new InvalidNpyException(field, "the .npy data is shorter than its shape says");
        }
        float[] values = new float[(int) count];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return new NpyArray(shape, values);
    }

    /** The header's shape tuple, such as {@code 3, 32, 32} or {@code 3,}: dimensions from 0 to MAX_ELEMENTS. */
    private static int[] parseShape(String tuple, String field) {
        String[] parts = tuple.split(",", -1);
        int[] shape = new int[parts.length];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            if (part.isEmpty() && i == parts.length - 1) {
                break; // the trailing comma of (3,) or (3, 4,)
            }
            if (!DIMENSION.matcher(part).matches()) {
                throw new InvalidNpyException(field, "malformed .npy header: shape dimension '" + part
                        + "' is not a non-negative integer");
            }
            long dimension = Long.parseLong(part);
            if (dimension > MAX_ELEMENTS) {
                throw new InvalidNpyException(field, "array too large (at most " + MAX_ELEMENTS + " values)");
            }
            shape[n++] = (int) dimension;
        }
        return Arrays.copyOf(shape, n);
    }
}
