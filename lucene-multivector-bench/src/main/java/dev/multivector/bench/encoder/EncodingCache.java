package dev.multivector.bench.encoder;

import dev.multivector.bench.data.ProjectPaths;
import dev.multivector.bench.data.TextDataset;
import dev.multivector.bench.data.VectorDataset;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Encoded matrices cached on disk, so a data set is encoded once per model and settings.
 *
 * <p>A file holds one list of matrices (a data set's documents, or its queries). Its name is
 * {@code <dataset>.<documents|queries>.<model>.<key>.f32}, where the key is the first 16 hex
 * digits of a SHA-256 over the encoder's {@link TokenEncoder#settings()}, the kind, and every
 * text (length-prefixed): any change to a text or a setting gives a new file. Stale files are
 * never deleted; remove the folder to reclaim the space.
 *
 * <p>Format, all little-endian: the magic {@code "MVF32\0\0\1"} (8 bytes), int32 count, int32
 * dim, then count int32 token counts, then every matrix's rows as float32, row-major, in order.
 * A file is written to a temporary name and moved into place, so a reader sees whole files only.
 */
public final class EncodingCache {
  private static final byte[] MAGIC = "MVF32\0\0\1".getBytes(StandardCharsets.US_ASCII);

  private final Path dir;

  /** A cache in {@code dir} (created when first written). */
  public EncodingCache(Path dir) {
    this.dir = dir;
  }

  /** The project's cache: {@code <cache dir>/encodings} (see {@link ProjectPaths#cacheDir()}). */
  public static EncodingCache inProject() {
    return new EncodingCache(ProjectPaths.cacheDir().resolve("encodings"));
  }

  /** The cache's folder. */
  public Path dir() {
    return dir;
  }

  /** Encodes a text data set (documents and queries), from the cache where it has them. */
  public VectorDataset encode(TextDataset dataset, TokenEncoder encoder) {
    return new VectorDataset(
        dataset.name(),
        dataset.documentIds(),
        documents(encoder, dataset.name(), dataset.documentTexts()),
        dataset.queryIds(),
        queries(encoder, dataset.name(), dataset.queryTexts()),
        dataset.qrels());
  }

  /** {@link TokenEncoder#encodeDocuments}, cached under the data set's name. */
  public List<float[][]> documents(TokenEncoder encoder, String dataset, List<String> texts) {
    return cached(encoder, dataset, "documents", texts, encoder::encodeDocuments);
  }

  /** {@link TokenEncoder#encodeQueries}, cached under the data set's name. */
  public List<float[][]> queries(TokenEncoder encoder, String dataset, List<String> texts) {
    return cached(encoder, dataset, "queries", texts, encoder::encodeQueries);
  }

  private List<float[][]> cached(
      TokenEncoder encoder,
      String dataset,
      String kind,
      List<String> texts,
      java.util.function.Function<List<String>, List<float[][]>> encode) {
    Path file = file(encoder, dataset, kind, texts);
    if (Files.isRegularFile(file)) {
      return read(file);
    }
    List<float[][]> matrices = encode.apply(texts);
    write(file, matrices);
    return matrices;
  }

  /** The file that holds (or will hold) these texts' encodings. */
  Path file(TokenEncoder encoder, String dataset, String kind, List<String> texts) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    sha.update((encoder.settings() + "\n" + kind + "\n").getBytes(StandardCharsets.UTF_8));
    for (String text : texts) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha.update(bytes);
    }
    String key = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    String safeName = dataset.replaceAll("[^A-Za-z0-9._-]", "_");
    return dir.resolve(safeName + "." + kind + "." + encoder.id() + "." + key + ".f32");
  }

  /** Writes matrices in the cache format (atomically). */
  static void write(Path file, List<float[][]> matrices) {
    int dim = matrices.stream().filter(m -> m.length > 0).mapToInt(m -> m[0].length).findFirst().orElse(0);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
        ByteBuffer header = ByteBuffer.allocate(16 + 4 * matrices.size()).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(matrices.size()).putInt(dim);
        for (float[][] m : matrices) {
          header.putInt(m.length);
        }
        out.write(header.array());
        ByteBuffer row = ByteBuffer.allocate(4 * dim).order(ByteOrder.LITTLE_ENDIAN);
        for (float[][] m : matrices) {
          for (float[] v : m) {
            if (v.length != dim) {
              throw new IllegalArgumentException("rows of different dimensions");
            }
            row.clear();
            row.asFloatBuffer().put(v);
            out.write(row.array());
          }
        }
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Reads matrices written by {@link #write}. */
  static List<float[][]> read(Path file) {
    try (FileChannel channel = FileChannel.open(file)) {
      ByteBuffer bytes =
          channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()).order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[MAGIC.length];
      bytes.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException("not a cached encoding: " + file);
      }
      int count = bytes.getInt();
      int dim = bytes.getInt();
      int[] tokens = new int[count];
      long floats = 0;
      for (int i = 0; i < count; i++) {
        tokens[i] = bytes.getInt();
        floats += (long) tokens[i] * dim;
      }
      if (bytes.remaining() != 4 * floats) {
        throw new IOException("truncated cached encoding: " + file);
      }
      FloatBuffer values = bytes.asFloatBuffer();
      List<float[][]> matrices = new ArrayList<>(count);
      for (int n : tokens) {
        float[][] m = new float[n][dim];
        for (float[] v : m) {
          values.get(v);
        }
        matrices.add(m);
      }
      return matrices;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
