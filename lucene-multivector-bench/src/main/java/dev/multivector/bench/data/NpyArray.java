package dev.multivector.bench.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A 1-D or 2-D array in numpy's {@code .npy} format (versions 1 to 3), read row by row from disk
 * (and written, in version 1.0, for {@link PrecomputedVectors#write}):
 * the magic {@code \x93NUMPY}, a version, a header length, a header that is a Python dict literal
 * ({@code {'descr': '<f4', 'fortran_order': False, 'shape': (rows, columns), }}) and the data in
 * C order. What {@code numpy.save} writes for float32, float16, int32 and int64 arrays is read;
 * anything else (big-endian, Fortran order, other types, more dimensions) is refused with an
 * error that names the file and what it holds.
 */
final class NpyArray implements AutoCloseable {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /** The element types read. */
  enum Type {
    FLOAT32("<f4", 4),
    FLOAT16("<f2", 2),
    INT32("<i4", 4),
    INT64("<i8", 8);

    final String descr;
    final int bytes;

    Type(String descr, int bytes) {
      this.descr = descr;
      this.bytes = bytes;
    }

    boolean isFloat() {
      return this == FLOAT32 || this == FLOAT16;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final Type type;
  private final long rows;
  private final int columns; // 1 for a 1-D array
  private final long dataStart;

  private NpyArray(Path file, FileChannel channel, Type type, long rows, int columns, long dataStart) {
    this.file = file;
    this.channel = channel;
    this.type = type;
    this.rows = rows;
    this.columns = columns;
    this.dataStart = dataStart;
  }

  /**
   * Opens {@code file} and checks its header, its dimensions ({@code dimensions}: 1 or 2) and
   * that it holds all the data its header announces.
   *
   * @throws IllegalArgumentException naming the file, if it is missing or not such an array
   */
  static NpyArray open(Path file, int dimensions) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file.getFileName() + ": missing (looked for " + file + ")");
    }
    boolean success = false;
    try {
      NpyArray array = parse(file, channel, dimensions);
      success = true;
      return array;
    } finally {
      if (success == false) {
        channel.close();
      }
    }
  }

  private static NpyArray parse(Path file, FileChannel channel, int dimensions) throws IOException {
    String name = file.getFileName().toString();
    ByteBuffer start = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    channel.read(start, 0);
    start.flip();
    byte[] magic = new byte[Math.min(MAGIC.length, start.remaining())];
    start.get(magic);
    if (Arrays.equals(magic, MAGIC) == false || start.remaining() < 2) {
      throw new IllegalArgumentException(name + ": not a .npy file (no \\x93NUMPY magic at its start)");
    }
    int major = start.get();
    start.get(); // minor
    long headerLength;
    int prefix;
    if (major == 1 && start.remaining() >= 2) {
      headerLength = Short.toUnsignedInt(start.getShort());
      prefix = 10;
    } else if ((major == 2 || major == 3) && start.remaining() >= 4) {
      headerLength = Integer.toUnsignedLong(start.getInt());
      prefix = 12;
    } else {
      throw new IllegalArgumentException(name + ": unsupported .npy version " + major);
    }
    if (headerLength > 1 << 20 || prefix + headerLength > channel.size()) {
      throw new IllegalArgumentException(name + ": truncated .npy header");
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
    channel.read(headerBytes, prefix);
    String header = new String(headerBytes.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

    String descr = group(DESCR, header, name, "descr");
    Type type =
        Arrays.stream(Type.values())
            .filter(t -> t.descr.equals(descr))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        name + ": element type '" + descr + "' is not read; save float32 ('<f4') or float16 ('<f2') vectors and"
                            + " int64 ('<i8') or int32 ('<i4') offsets, little-endian"));
    if (group(FORTRAN, header, name, "fortran_order").equals("True")) {
      throw new IllegalArgumentException(name + ": Fortran order is not read; save a C-ordered array (numpy.ascontiguousarray)");
    }
    String[] shapeText = group(SHAPE, header, name, "shape").split(",");
    long[] shape = Arrays.stream(shapeText).map(String::trim).filter(s -> s.isEmpty() == false).mapToLong(Long::parseLong).toArray();
    if (shape.length != dimensions) {
      throw new IllegalArgumentException(
          name + ": shape " + Arrays.toString(shape) + " has " + shape.length + " dimensions, expected " + dimensions);
    }
    long rows = shape[0];
    long columns = dimensions == 2 ? shape[1] : 1;
    if (columns <= 0 || columns > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + ": " + columns + " columns");
    }
    long dataStart = prefix + headerLength;
    long expected = rows * columns * type.bytes;
    if (channel.size() - dataStart < expected) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: truncated: its header announces %s of %s, %,d bytes of data, but the file holds %,d",
              name, Arrays.toString(shape), type.descr, expected, channel.size() - dataStart));
    }
    return new NpyArray(file, channel, type, rows, (int) columns, dataStart);
  }

  private static String group(Pattern pattern, String header, String name, String key) {
    Matcher matcher = pattern.matcher(header);
    if (matcher.find() == false) {
      throw new IllegalArgumentException(name + ": .npy header has no '" + key + "': " + header.trim());
    }
    return matcher.group(1);
  }

  /** The file's name, for messages. */
  String name() {
    return file.getFileName().toString();
  }

  Type type() {
    return type;
  }

  long rows() {
    return rows;
  }

  /** The length of a row (1 for a 1-D array). */
  int columns() {
    return columns;
  }

  /** {@code count} rows of a float array from row {@code from}, as floats. */
  float[][] floatRows(long from, int count) throws IOException {
    if (type.isFloat() == false) {
      throw new IllegalArgumentException(name() + ": holds " + type.descr + ", expected float32 or float16 vectors");
    }
    ByteBuffer bytes = read(from, count);
    float[][] matrix = new float[count][columns];
    for (float[] row : matrix) {
      for (int i = 0; i < columns; i++) {
        row[i] = type == Type.FLOAT32 ? bytes.getFloat() : Float.float16ToFloat(bytes.getShort());
      }
    }
    return matrix;
  }

  /** The whole of a 1-D integer array, as longs. */
  long[] longs() throws IOException {
    if (type.isFloat() || columns != 1) {
      throw new IllegalArgumentException(name() + ": holds " + type.descr + ", expected a 1-D int64 or int32 array");
    }
    if (rows > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(name() + ": " + rows + " entries");
    }
    ByteBuffer bytes = read(0, (int) rows);
    long[] values = new long[(int) rows];
    for (int i = 0; i < values.length; i++) {
      values[i] = type == Type.INT64 ? bytes.getLong() : bytes.getInt();
    }
    return values;
  }

  private ByteBuffer read(long from, int count) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(count, columns * type.bytes)).order(ByteOrder.LITTLE_ENDIAN);
    long position = dataStart + from * columns * type.bytes;
    while (bytes.hasRemaining()) {
      if (channel.read(bytes, position + bytes.position()) < 0) {
        throw new IllegalArgumentException(name() + ": truncated");
      }
    }
    return bytes.flip();
  }

  /** Writes a 1-D int64 array, as numpy.save does. */
  static void writeLongs(Path file, long[] values) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(header(Type.INT64, "(" + values.length + ",)"));
      ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (long value : values) {
        bytes.putLong(value);
      }
      out.write(bytes.array());
    }
  }

  /** Writes matrices of {@code columns} columns, {@code rows} rows in all, as one 2-D float32 array. */
  static void writeFloatRows(Path file, List<float[][]> matrices, long rows, int columns) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      out.write(header(Type.FLOAT32, "(" + rows + ", " + columns + ")"));
      ByteBuffer row = ByteBuffer.allocate(4 * columns).order(ByteOrder.LITTLE_ENDIAN);
      for (float[][] matrix : matrices) {
        for (float[] vector : matrix) {
          if (vector.length != columns) {
            throw new IllegalArgumentException("rows of " + vector.length + " and " + columns + " columns");
          }
          row.clear();
          row.asFloatBuffer().put(vector);
          out.write(row.array());
        }
      }
    }
  }

  /** A version 1.0 header, padded with spaces to a multiple of 64 bytes and ended by a newline. */
  private static byte[] header(Type type, String shape) {
    String dict = "{'descr': '" + type.descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int length = (10 + dict.length() + 1 + 63) / 64 * 64 - 10;
    ByteBuffer bytes = ByteBuffer.allocate(10 + length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) length);
    bytes.put((dict + " ".repeat(length - dict.length() - 1) + "\n").getBytes(StandardCharsets.ISO_8859_1));
    return bytes.array();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
