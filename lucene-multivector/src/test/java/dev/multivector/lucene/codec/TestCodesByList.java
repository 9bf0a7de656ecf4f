package dev.multivector.lucene.codec;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * {@link CodesByList} writes every code in list order (by centroid, tokens ascending within a
 * list) whatever the buffer, the partitions' estimates and the lists' skew, and leaves no
 * temporary file.
 */
public class TestCodesByList extends LuceneTestCase {

  public void testListOrder() throws Exception {
    for (int iteration = 0; iteration < atLeast(20); iteration++) {
      Random random = random();
      int tokens = TestUtil.nextInt(random, 1, 3000);
      int centroids = TestUtil.nextInt(random, 1, 60);
      int codeBytes = TestUtil.nextInt(random, 1, 40);
      // Small buffers gather a partition in several reads, and send big lists through as read.
      int gatherBytes = TestUtil.nextInt(random, codeBytes, 4000);
      boolean skewed = random.nextBoolean();
      int[] centroidOf = new int[tokens];
      for (int t = 0; t < tokens; t++) {
        centroidOf[t] = skewed && random.nextInt(3) > 0 ? 0 : random.nextInt(centroids);
      }
      // The partitions come from a sample's counts: any estimate, however wrong, must work.
      int[] sampleCounts = new int[centroids];
      for (int i = 0; i < TestUtil.nextInt(random, 0, 200); i++) {
        sampleCounts[random.nextInt(centroids)]++;
      }
      byte[][] code = new byte[tokens][codeBytes];
      for (byte[] c : code) {
        random.nextBytes(c);
      }
      int[] listStarts = new int[centroids + 1];
      for (int c : centroidOf) {
        listStarts[c + 1]++;
      }
      for (int c = 0; c < centroids; c++) {
        listStarts[c + 1] += listStarts[c];
      }
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      for (int c = 0; c < centroids; c++) {
        for (int t = 0; t < tokens; t++) {
          if (centroidOf[t] == c) {
            expected.write(code[t]);
          }
        }
      }

      try (Directory dir = newDirectory()) {
        try (IndexOutput data = dir.createOutput("data", IOContext.DEFAULT);
            CodesByList codes =
                new CodesByList(dir, "data", IOContext.DEFAULT, codeBytes, sampleCounts, tokens, gatherBytes)) {
          for (int t = 0; t < tokens; t++) {
            codes.add(centroidOf[t], code[t], 0);
          }
          codes.writeInListOrder(listStarts, data, () -> {});
        }
        assertArrayEquals("temporary files deleted", new String[] {"data"}, dir.listAll());
        try (IndexInput in = dir.openInput("data", IOContext.DEFAULT)) {
          byte[] actual = new byte[(int) in.length()];
          in.readBytes(actual, 0, actual.length);
          assertTrue(
              "tokens=" + tokens + " centroids=" + centroids + " codeBytes=" + codeBytes + " gather=" + gatherBytes,
              Arrays.equals(expected.toByteArray(), actual));
        }
      }
    }
  }
}
