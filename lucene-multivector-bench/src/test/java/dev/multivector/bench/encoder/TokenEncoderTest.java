package dev.multivector.bench.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multivector.lucene.MaxSimReference;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the real bge-small model (from its Maven jar) on two short texts. */
class TokenEncoderTest {

  @Test
  void encodesTokensWithTheRealModel() {
    String heat = "Heat flow in composite slabs.";
    String birds = "The penguin swims in cold water";
    try (TokenEncoder encoder = TokenEncoder.open()) {
      assertEquals(384, encoder.dimension());
      assertEquals(List.of("[CLS]", "heat", "flow", "in", "composite", "slabs", "[SEP]"),
          encoder.documentTokens(heat)); // the final "." is dropped
      List<float[][]> docs = encoder.encodeDocuments(List.of(heat, birds));
      assertEquals(7, docs.get(0).length);
      assertEquals(encoder.documentTokens(birds).size(), docs.get(1).length);
      for (float[][] m : docs) {
        for (float[] v : m) {
          assertEquals(384, v.length);
          assertEquals(1.0, Math.sqrt(MaxSimReference.dot(v, v)), 1e-4);
        }
      }
      float[][] query = encoder.encodeQuery(heat);
      assertEquals(7, query.length);
      double self = MaxSimReference.maxSim(query, docs.get(0));
      double other = MaxSimReference.maxSim(query, docs.get(1));
      assertTrue(self > other + 1, "self " + self + " vs unrelated " + other);
      assertTrue(self > 0.95 * query.length, "self " + self);
      assertTrue(encoder.caveat().contains("bge-small-en-v1.5"));
      assertTrue(encoder.caveat().endsWith(TokenEncoder.CAVEAT));
      assertTrue(TokenEncoder.CAVEAT.contains("not from a ColBERT-trained model"));
    }
  }

  @Test
  void punctuation() {
    assertTrue(TokenEncoder.isPunctuation("."));
    assertTrue(TokenEncoder.isPunctuation("##)"));
    assertTrue(TokenEncoder.isPunctuation("$"));
    assertFalse(TokenEncoder.isPunctuation("##s"));
    assertFalse(TokenEncoder.isPunctuation("747"));
    assertFalse(TokenEncoder.isPunctuation("[CLS]"));
    assertFalse(TokenEncoder.isPunctuation("café"));
  }
}
