package dev.multivector.lucene.codec;

import static dev.multivector.lucene.codec.MultiVectorTestUtil.randomMatrix;

import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import dev.multivector.lucene.document.MultiVectorFieldConfig.Encoding;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.lucene.codecs.CodecUtil;
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
import org.apache.lucene.util.BitUtil;

/**
 * A flipped byte anywhere in the codec's own files (panels, encoded panels and their metadata, the
 * token index's metadata, int8 tokens and graph) is detected as a corrupt index, and so is an
 * encoding this version does not know.
 */
public class TestMultiVector104CodecCorruption extends LuceneTestCase {

  public void testFlippedByteIsDetected() throws IOException {
    try (Directory dir = newDirectory()) {
      int dim = TestUtil.nextInt(random(), 1, 40);
      Encoding encoding = Encoding.values()[random().nextInt(Encoding.values().length)];
      MultiVectorFieldConfig config =
          MultiVectorFieldConfig.builder(dim)
              .encoding(encoding)
              .tokenGraph(new MultiVectorFieldConfig.Graph(8, 16))
              .centroidIndex(random().nextBoolean() ? 2 : 4)
              .build();
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
                MultiVectorDocValuesFormat.ENCODED_EXTENSION,
                HnswTokenIndexFormat.META_EXTENSION,
                HnswTokenIndexFormat.VECTORS_EXTENSION,
                HnswTokenIndexFormat.GRAPH_EXTENSION,
                CentroidTokenIndexFormat.META_EXTENSION,
                CentroidTokenIndexFormat.DATA_EXTENSION)) {
          if (file.endsWith("." + extension)) {
            ours.add(file);
          }
        }
      }
      // Panels (and encoded panels) and two token indexes, each a metadata file and its data
      // files, in every segment.
      int perSegment = encoding == Encoding.FLOAT32 ? 7 : 8;
      assertTrue(ours.toString(), ours.size() >= perSegment && ours.size() % perSegment == 0);
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

  public void testUnknownEncodingIsReported() throws IOException {
    try (Directory dir = newDirectory()) {
      try (IndexWriter writer =
          new IndexWriter(dir, newIndexWriterConfig().setCodec(new MultiVector104Codec()).setUseCompoundFile(false))) {
        Document doc = new Document();
        doc.add(new MultiVectorField("mv", randomMatrix(random(), 3, 4)));
        writer.addDocument(doc);
      }
      String meta = null;
      for (String file : dir.listAll()) {
        if (file.endsWith("." + MultiVectorDocValuesFormat.META_EXTENSION)) {
          meta = file;
        }
      }
      byte[] bytes = new byte[(int) dir.fileLength(meta)];
      try (IndexInput in = dir.openInput(meta, IOContext.READONCE)) {
        in.readBytes(bytes, 0, bytes.length);
      }
      // The first field's encoding follows the header and its field number; the footer's checksum
      // is made right again, as a newer version of the library would have written it.
      int position = CodecUtil.indexHeaderLength(MultiVectorDocValuesFormat.META_CODEC, "") + Integer.BYTES;
      assertEquals(MultiVectorDocValuesFormat.FLOAT32, bytes[position]);
      bytes[position] = 42;
      CRC32 crc = new CRC32();
      crc.update(bytes, 0, bytes.length - Long.BYTES);
      BitUtil.VH_BE_LONG.set(bytes, bytes.length - Long.BYTES, crc.getValue());
      // A plain directory, as a newer version's files would be read.
      try (Directory copy = new ByteBuffersDirectory()) {
        for (String file : dir.listAll()) {
          if (file.equals("write.lock")) {
            continue;
          }
          if (file.equals(meta)) {
            try (IndexOutput out = copy.createOutput(file, IOContext.DEFAULT)) {
              out.writeBytes(bytes, bytes.length);
            }
          } else {
            copy.copyFrom(dir, file, file, IOContext.READONCE);
          }
        }
        CorruptIndexException e =
            expectThrows(CorruptIndexException.class, () -> DirectoryReader.open(copy).close());
        assertTrue(e.getMessage(), e.getMessage().contains("token encoding number 42, unknown to format version"));
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
