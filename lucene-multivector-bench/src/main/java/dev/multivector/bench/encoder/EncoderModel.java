package dev.multivector.bench.encoder;

/**
 * The token encoders available offline: ONNX models and their {@code tokenizer.json}, shipped at
 * the root of langchain4j's embedding jars on Maven Central ({@code
 * dev.langchain4j:langchain4j-embeddings-*:1.0.0-beta5}). Both are BERT WordPiece models with
 * inputs {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (int64, [batch,
 * sequence]) and a float output [batch, sequence, 384]: the last hidden state.
 */
public enum EncoderModel {
  /** BAAI bge-small-en-v1.5 (MIT), 12 layers, 384 dims, 512 positions. The default. */
  BGE_SMALL_EN_V15("bge-small-en-v1.5", "last_hidden_state", 384, 512),
  /**
   * sentence-transformers all-MiniLM-L6-v2 (Apache-2.0), 6 layers, 384 dims; trained on inputs of
   * at most 256 tokens (sentence-transformers' max_seq_length), so documents are cut there.
   */
  ALL_MINILM_L6_V2("all-minilm-l6-v2", "output_0", 384, 256);

  private final String id;
  private final String outputName;
  private final int dimension;
  private final int maxTokens;

  EncoderModel(String id, String outputName, int dimension, int maxTokens) {
    this.id = id;
    this.outputName = outputName;
    this.dimension = dimension;
    this.maxTokens = maxTokens;
  }

  /** A short name, as in the jar's resource names ({@code bge-small-en-v1.5}). */
  public String id() {
    return id;
  }

  /** The name of the model output holding one vector per token. */
  public String outputName() {
    return outputName;
  }

  /** The dimension of a token vector. */
  public int dimension() {
    return dimension;
  }

  /** The most tokens (with [CLS] and [SEP]) a document is encoded with. */
  public int maxTokens() {
    return maxTokens;
  }

  /** The classpath resource of the ONNX model. */
  String modelResource() {
    return "/" + id + ".onnx";
  }

  /** The classpath resource of the tokenizer. */
  String tokenizerResource() {
    return "/" + id + "-tokenizer.json";
  }

  /** The model with this {@link #id()} (case-insensitive). */
  public static EncoderModel byId(String id) {
    for (EncoderModel model : values()) {
      if (model.id.equalsIgnoreCase(id)) {
        return model;
      }
    }
    throw new IllegalArgumentException("unknown encoder model " + id);
  }
}
