package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorTestUtil.randomMatrix;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * A flipped byte anywhere in the codec's own files (panels and their metadata, the token index's
 * metadata, int8 tokens and graph) is detected as a corrupt index.
 */
public class TestMultiVector104CodecCorruption extends LuceneTestCase {

  public void testFlippedByteIsDetected() throws IOException {
    try (Directory dir = newDirectory()) {
      int dim = TestUtil.nextInt(random(), 1, 40);
      MultiVectorFieldConfig config =
          MultiVectorFieldConfig.builder(dim).tokenGraph(new MultiVectorFieldConfig.Graph(8, 16)).build();
      try (IndexWriter writer =
          new IndexWriter(
              dir,
              newIndexWriterConfig()
                  .setCodec(new MultiVector104Codec())
                  .setUseCompoundFile(false)
                  .setMergePolicy(NoMergePolicy.INSTANCE))) {
        for (int i = 0; i < 50; i++) {
          Document doc = new Document();
          if (i % 3 != 0) { // sparse: exercises the docs-with-value bit set too
            doc.add(new MultiVectorField("mv", randomMatrix(random(), 1 + i % 20, dim), config));
          }
          writer.addDocument(doc);
        }
        writer.commit();
      }
      List<String> ours = new ArrayList<>();
      for (String file : dir.listAll()) {
        for (String extension :
            List.of(
                MultiVectorDocValuesFormat.META_EXTENSION,
                MultiVectorDocValuesFormat.DATA_EXTENSION,
                HnswTokenIndexFormat.META_EXTENSION,
                HnswTokenIndexFormat.VECTORS_EXTENSION,
                HnswTokenIndexFormat.GRAPH_EXTENSION)) {
          if (file.endsWith("." + extension)) {
            ours.add(file);
          }
        }
      }
      // Panels and token index, each a metadata file and its data files, in every segment.
      assertTrue(ours.toString(), ours.size() >= 5 && ours.size() % 5 == 0);
      for (String file : ours) {
        long length = dir.fileLength(file);
        // The first and last bytes (header, footer) and random ones in between.
        long[] positions = {0, length - 1, random().nextLong(length), random().nextLong(length)};
        for (long position : positions) {
          // A plain directory: the copy is corrupt on purpose, no wrapper should check or alter it.
          try (Directory copy = new ByteBuffersDirectory()) {
            copyFlippingOneByte(dir, copy, file, position);
            expectThrowsAnyOf(
                List.of(
                    CorruptIndexException.class,
                    IndexFormatTooOldException.class,
                    IndexFormatTooNewException.class),
                () -> openAndVerify(copy));
          }
        }
      }
    }
  }

  private static void openAndVerify(Directory dir) throws IOException {
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      for (LeafReaderContext context : reader.leaves()) {
        ((CodecReader) context.reader()).checkIntegrity();
      }
    }
  }

  private static void copyFlippingOneByte(Directory from, Directory to, String target, long position)
      throws IOException {
    for (String file : from.listAll()) {
      if (file.equals("write.lock")) {
        continue;
      }
      try (IndexInput in = from.openInput(file, IOContext.READONCE);
          IndexOutput out = to.createOutput(file, IOContext.DEFAULT)) {
        for (long i = 0; i < in.length(); i++) {
          byte b = in.readByte();
          out.writeByte(file.equals(target) && i == position ? (byte) (b ^ (1 << random().nextInt(8))) : b);
        }
      }
    }
  }
}
