package dev.multivector.lucene.adversarial;

import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;

/**
 * The process {@link TestKilledWriter} kills: it indexes documents 0, 1, 2, ... (each one's matrix
 * a function of the seed and its number), commits every few, and after each commit appends the
 * number of documents committed to a log, synced to disk, until it is killed.
 */
public final class KilledWriterChild {

  static final int DIMENSION = 16;
  static final MultiVectorFieldConfig CONFIG =
      MultiVectorFieldConfig.builder(DIMENSION).tokenGraph(new MultiVectorFieldConfig.Graph(8, 16)).build();

  private KilledWriterChild() {}

  /** Document {@code i}'s matrix. */
  static float[][] matrix(long seed, int i) {
    Random random = new Random(seed * 1_000_003L + i);
    return Snapshots.matrix(random, 1 + random.nextInt(30), DIMENSION);
  }

  /** Arguments: the index folder, the log file, the seed. */
  public static void main(String[] args) throws IOException {
    Path index = Path.of(args[0]);
    Path log = Path.of(args[1]);
    long seed = Long.parseLong(args[2]);
    Random random = new Random(seed);
    try (FSDirectory dir = FSDirectory.open(index);
        IndexWriter writer =
            new IndexWriter(
                dir,
                new IndexWriterConfig()
                    .setCodec(new MultiVector104Codec())
                    .setMaxBufferedDocs(20 + random.nextInt(50)));
        FileChannel out =
            FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      for (int i = 0; ; i++) {
        writer.addDocument(Snapshots.doc(Integer.toString(i), matrix(seed, i), CONFIG));
        if (random.nextInt(40) == 0) {
          writer.commit();
          out.write(ByteBuffer.wrap((i + 1 + "\n").getBytes(StandardCharsets.UTF_8)));
          out.force(true);
        }
      }
    }
  }
}
