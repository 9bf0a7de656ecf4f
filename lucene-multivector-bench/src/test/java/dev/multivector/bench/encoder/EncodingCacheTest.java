package dev.multivector.bench.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncodingCacheTest {
  @TempDir Path dir;

  @Test
  void roundTrip() throws Exception {
    List<float[][]> matrices =
        List.of(
            new float[][] {{1f, 2f, 3f}, {-4f, 5.5f, 6f}},
            new float[][] {{7f, 8f, 9f}},
            new float[][] {{Float.MIN_VALUE, -0f, 1e30f}, {0f, 0f, 1f}, {3f, 2f, 1f}});
    Path file = dir.resolve("x.f32");
    EncodingCache.write(file, matrices);
    List<float[][]> back = EncodingCache.read(file);
    assertEquals(3, back.size());
    for (int i = 0; i < 3; i++) {
      assertTrue(Arrays.deepEquals(matrices.get(i), back.get(i)));
    }
    // header: magic, count, dim, token counts; then float32 little-endian rows
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(8 + 4 + 4 + 3 * 4 + 6 * 3 * 4, bytes.length);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(3, b.getInt(8));
    assertEquals(3, b.getInt(12));
    assertEquals(2, b.getInt(16));
    assertEquals(1f, b.getFloat(28));
  }

  /** The key covers the texts, the kind and the encoder's settings; no model is loaded. */
  @Test
  void fileNamesAreKeyedByTextsAndSettings() {
    EncodingCache cache = new EncodingCache(dir);
    try (TokenEncoder bge = TokenEncoder.open();
        TokenEncoder minilm = TokenEncoder.open(EncoderModel.ALL_MINILM_L6_V2)) {
      Path a = cache.file(bge, "set", "documents", List.of("one", "two"));
      assertEquals(a, cache.file(bge, "set", "documents", List.of("one", "two")));
      assertNotEquals(a, cache.file(bge, "set", "documents", List.of("one", "two!")));
      assertNotEquals(a, cache.file(bge, "set", "documents", List.of("onetwo")));
      assertNotEquals(a, cache.file(bge, "set", "queries", List.of("one", "two")));
      assertNotEquals(a, cache.file(minilm, "set", "documents", List.of("one", "two")));
      assertTrue(a.getFileName().toString().startsWith("set.documents.bge-small-en-v1.5."));
    }
  }
}
