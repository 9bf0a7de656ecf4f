package dev.multivector.bench.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model DIR}: a ColBERT export with PyLate's files. No ColBERT weights reach these
 * machines, so the exports here are the bundled bge-small as backbone, with PyLate's configuration
 * files and a projection of the test's own.
 */
class ColbertExportTest {
  private static final String DOCUMENT = "Heat flow in composite slabs.";
  private static final String QUERY = "heat flow in slabs";

  @TempDir Path tmp;

  /** With no prefix, no expansion and no projection, an export encodes as the bundled encoder. */
  @Test
  void withoutColbertConventionsEncodesAsTheBundledModel() throws Exception {
    Path dir = export("plain", "{\"query_prefix\": \"\", \"document_prefix\": \"\", \"do_query_expansion\": false, \"document_length\": 512, \"query_length\": 64}");
    try (TokenEncoder bundled = TokenEncoder.open();
        TokenEncoder export = TokenEncoder.open(dir)) {
      assertEquals(384, export.dimension());
      assertEquals(bundled.documentTokens(DOCUMENT), export.documentTokens(DOCUMENT)); // "." on the skiplist
      assertMatricesEqual(bundled.encodeDocuments(List.of(DOCUMENT)).get(0), export.encodeDocuments(List.of(DOCUMENT)).get(0));
      assertMatricesEqual(bundled.encodeQuery(QUERY), export.encodeQuery(QUERY));
      assertNotEquals(bundled.settings(), export.settings());
      assertEquals("colbert-plain", export.id());
    }
  }

  /** PyLate's conventions: prefix tokens, [MASK] expansion to query_length, a Dense projection. */
  @Test
  void pylateConventions() throws Exception {
    String config = "{\"query_prefix\": \"[unused0]\", \"document_prefix\": \"[unused1]\", \"query_length\": 32, \"document_length\": 180}";
    Path unprojected = export("unprojected", config);
    Path projected = export("projected", config);
    float[][] weight = new float[48][384];
    Random random = new Random(42);
    for (float[] row : weight) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) random.nextGaussian();
      }
    }
    writeDense(projected, weight);
    Path noExpansion = export("no-expansion", config.replace("}", ", \"do_query_expansion\": false}"));
    try (TokenEncoder plain = TokenEncoder.open(unprojected);
        TokenEncoder colbert = TokenEncoder.open(projected);
        TokenEncoder short_ = TokenEncoder.open(noExpansion)) {
      assertEquals(48, colbert.dimension());
      assertEquals(List.of("[CLS]", "[unused1]", "heat", "flow", "in", "composite", "slabs", "[SEP]"), colbert.documentTokens(DOCUMENT));
      float[][] doc = colbert.encodeDocuments(List.of(DOCUMENT)).get(0);
      float[][] query = colbert.encodeQuery(QUERY);
      assertEquals(8, doc.length);
      assertEquals(32, query.length); // [CLS] [unused0] heat flow in slabs [SEP], then 25 [MASK]
      // the projection, then L2: normalising before projecting changes only the scale
      float[][] plainDoc = plain.encodeDocuments(List.of(DOCUMENT)).get(0);
      DenseLayer dense = DenseLayer.of(weight);
      for (int t = 0; t < doc.length; t++) {
        float[] expected = dense.apply(plainDoc[t]);
        TokenEncoder.normalize(expected);
        assertArrayEquals(expected, doc[t], 1e-4f);
        assertEquals(1.0, Math.sqrt(dot(doc[t], doc[t])), 1e-4);
      }
      // expansion tokens are not attended: the real tokens' vectors are those of the short query
      float[][] unexpanded = short_.encodeQuery(QUERY);
      assertEquals(7, unexpanded.length);
      float[][] plainQuery = plain.encodeQuery(QUERY);
      for (int t = 0; t < unexpanded.length; t++) {
        assertArrayEquals(unexpanded[t], plainQuery[t], 1e-5f);
      }
      assertTrue(dot(plainQuery[7], plainQuery[6]) < 0.999, "an expansion vector is not a copy of [SEP]");
      // the prefix is a token the model sees: the same text encodes differently without it
      assertTrue(dot(plainDoc[2], plain.encodeQuery(DOCUMENT)[2]) < 0.9999);
      // a long text is cut at its length, [SEP] kept
      assertEquals(32, plain.encodeQuery("word ".repeat(100)).length);
      assertEquals(180, plain.encodeDocuments(List.of("word ".repeat(400))).get(0).length);
    }
  }

  @Test
  void malformedExports() throws Exception {
    Path dir = export("no-model", "{}");
    Files.delete(dir.resolve("model.onnx"));
    assertMessage(dir, "model.onnx: missing");

    assertMessage(export("bad-prefix", "{\"query_prefix\": \"[Q] \"}"), "tokenizer.json: has no token for query_prefix '[Q] '");

    dir = export("bad-dense", "{\"query_prefix\": \"[unused0]\", \"document_prefix\": \"[unused1]\"}");
    writeDense(dir, new float[48][384]);
    Files.writeString(dir.resolve("1_Dense/config.json"), "{\"in_features\": 384, \"out_features\": 64, \"bias\": false}");
    assertMessage(dir, dir.resolve("1_Dense/model.safetensors") + ": linear.weight has shape [48, 384], config.json says [64, 384]");

    dir = export("bin-dense", "{\"query_prefix\": \"[unused0]\", \"document_prefix\": \"[unused1]\"}");
    writeDense(dir, new float[48][384]);
    Files.move(dir.resolve("1_Dense/model.safetensors"), dir.resolve("1_Dense/pytorch_model.bin"));
    assertMessage(dir, dir.resolve("1_Dense/model.safetensors") + ": missing (a Dense module saved as pytorch_model.bin is not read");

    dir = export("wrong-input", "{\"query_prefix\": \"[unused0]\", \"document_prefix\": \"[unused1]\"}");
    writeDense(dir, new float[48][256]);
    try (TokenEncoder encoder = TokenEncoder.open(dir)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.encodeQuery(QUERY));
      assertEquals("model.onnx gives vectors of 384 dimensions, the Dense projection takes 256", e.getMessage());
    }
  }

  private static void assertMessage(Path dir, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenEncoder.open(dir));
    assertTrue(e.getMessage().startsWith(expected), () -> "expected '" + expected + "', got '" + e.getMessage() + "'");
  }

  /** bge-small's ONNX graph and tokenizer, with {@code config} as PyLate's configuration. */
  private Path export(String name, String config) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve(name));
    copyResource(EncoderModel.BGE_SMALL_EN_V15.modelResource(), dir.resolve("model.onnx"));
    copyResource(EncoderModel.BGE_SMALL_EN_V15.tokenizerResource(), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("config_sentence_transformers.json"), config);
    return dir;
  }

  /** A PyLate Dense module without bias, in safetensors, listed in modules.json. */
  private static void writeDense(Path dir, float[][] weight) throws IOException {
    Files.writeString(
        dir.resolve("modules.json"),
        "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
            + " {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Dense\", \"type\": \"pylate.models.Dense.Dense\"}]");
    Path dense = Files.createDirectories(dir.resolve("1_Dense"));
    int out = weight.length;
    int in = weight[0].length;
    Files.writeString(
        dense.resolve("config.json"),
        "{\"in_features\": " + in + ", \"out_features\": " + out + ", \"bias\": false, \"activation_function\": \"torch.nn.modules.linear.Identity\"}");
    byte[] header =
        ("{\"linear.weight\": {\"dtype\": \"F32\", \"shape\": [" + out + ", " + in + "], \"data_offsets\": [0, " + 4 * out * in + "]}}")
            .getBytes(StandardCharsets.UTF_8);
    ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + 4 * out * in).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(header.length).put(header);
    for (float[] row : weight) {
      for (float value : row) {
        bytes.putFloat(value);
      }
    }
    Files.write(dense.resolve("model.safetensors"), bytes.array());
  }

  private static void copyResource(String resource, Path to) throws IOException {
    try (InputStream in = ColbertExportTest.class.getResourceAsStream(resource)) {
      Files.copy(in, to);
    }
  }

  private static void assertMatricesEqual(float[][] expected, float[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int t = 0; t < expected.length; t++) {
      assertArrayEquals(expected[t], actual[t], 1e-5f);
    }
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
