package dev.multivector.bench.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Encodes a text into one L2-normalised vector per token: the model's last hidden state, run
 * with onnxruntime on the CPU, tokenised with the model's own {@code tokenizer.json} (DJL's
 * binding of Hugging Face tokenizers, offline).
 *
 * <p>What follows is for the bundled models ({@link EncoderModel}). A ColBERT model exported to
 * ONNX ({@link #open(Path)}) is encoded by the conventions its own files set instead (prefix
 * tokens, [MASK] expansion of queries, skiplist, Dense projection): see {@link ColbertExport}.
 *
 * <p>Tokens kept. Documents and queries are encoded the same way, apart from their length limit:
 *
 * <ul>
 *   <li>the tokenizer's special tokens are added, [CLS] first and [SEP] last, and both are kept:
 *       [CLS] carries a summary of the whole text (bge-small is trained to use it as the text's
 *       embedding) and ColBERT keeps both too;
 *   <li>tokens made only of punctuation or symbols ({@code .}, {@code ,}, {@code (}, {@code '}, a
 *       {@code ##} piece of them) are dropped, from documents (as ColBERT does) and from queries
 *       (these models are not trained to give them a useful query role);
 *   <li>padding is never kept; there is no ColBERT query augmentation ([MASK] padding), which
 *       only works for models trained with it.
 * </ul>
 *
 * <p>Measured with bge-small and exact MaxSim (nDCG@10; Cranfield / dbpedia-5k / a 300-page
 * needle set with 30 needles): these rules 0.409 / 0.505 / 0.918; without [CLS] and [SEP] 0.411
 * / 0.494 / 0.954; the [CLS] vector alone, i.e. the model's own dense embedding, 0.391 / 0.519 /
 * 0.372. No variant wins everywhere, so the ColBERT convention stays.
 *
 * <p>Lengths. A document is cut at the model's limit ({@link EncoderModel#maxTokens()}: 512
 * tokens for bge-small) and a query at {@link #QUERY_MAX_TOKENS}, both counted with [CLS] and
 * [SEP]; a cut text keeps its first tokens and its [SEP].
 *
 * <p>Batching. Texts are sorted by length and cut into batches of at most {@link
 * #BATCH_TOKENS} padded tokens (and at most 64 texts), so a batch pads little. Small batches were
 * the most CPU-efficient on the 2-core machines (on 100 Cranfield abstracts, CPU seconds per 1,000
 * tokens: 0.69 at 1,024 tokens a batch, 0.77 at 512, 0.87 at 2,048, 1.13 at 8,192). onnxruntime
 * uses one intra-op thread per available processor, without spin-waiting.
 *
 * <p>The model and tokenizer are loaded at the first call that encodes, so an encoder whose
 * results come from {@link EncodingCache} never loads them. Calls are serialised (onnxruntime
 * already uses every core for one batch).
 */
public final class TokenEncoder implements AutoCloseable {
  /** The caveat every report of results obtained with this encoder must carry. */
  public static final String CAVEAT =
      "Token vectors come from an off-the-shelf single-vector embedding model (its last hidden"
          + " state, one vector per token), not from a ColBERT-trained model:"
          + " MaxSim over them is a real but weaker late-interaction model, so absolute quality"
          + " numbers understate what a ColBERT/ColPali model would reach. Compare strategies with"
          + " each other, not with published ColBERT figures.";

  /** The most tokens (with [CLS] and [SEP]) a query is encoded with. */
  public static final int QUERY_MAX_TOKENS = 64;

  /** The most padded tokens (rows x longest row) in one batch. */
  public static final int BATCH_TOKENS = 1024;

  private static final int BATCH_MAX_TEXTS = 64;

  /** Changes whenever the tokens or vectors produced change, so that cached encodings expire. */
  private static final String VERSION = "1";

  static {
    // DJL must never try to download anything (its native library is inside its jar).
    if (System.getProperty("DJL_OFFLINE") == null && System.getenv("DJL_OFFLINE") == null) {
      System.setProperty("DJL_OFFLINE", "true");
    }
  }

  private final EncoderModel model; // null for a ColBERT export
  private final ColbertExport export; // null for a bundled model
  private HuggingFaceTokenizer tokenizer;
  private OrtSession session;
  private int dimension;

  private TokenEncoder(EncoderModel model, ColbertExport export) {
    this.model = model;
    this.export = export;
    this.dimension = model != null ? model.dimension() : export.dimension();
  }

  /** An encoder with the default model, bge-small-en-v1.5. */
  public static TokenEncoder open() {
    return open(EncoderModel.BGE_SMALL_EN_V15);
  }

  /** An encoder with the given model (loaded lazily). */
  public static TokenEncoder open(EncoderModel model) {
    return new TokenEncoder(model, null);
  }

  /**
   * An encoder with a ColBERT model exported to ONNX in {@code dir}, with PyLate's conventions
   * read from the export's own files (see {@link ColbertExport}).
   *
   * @throws IllegalArgumentException naming the file, if the folder is not such an export
   */
  public static TokenEncoder open(Path dir) throws IOException {
    return new TokenEncoder(null, ColbertExport.read(dir));
  }

  /** A short name for the model, as in reports and cache file names. */
  public String id() {
    return model != null ? model.id() : "colbert-" + export.dir.getFileName();
  }

  /** The dimension of a token vector. */
  public int dimension() {
    if (dimension < 0) { // an export with its projection inside the graph: ask the model
      dimension = encodeDocuments(List.of("dimension")).get(0)[0].length;
    }
    return dimension;
  }

  /**
   * What a report of results obtained with this encoder must say about it: for the bundled
   * models, {@link #CAVEAT}, preceded by the model's name.
   */
  public String caveat() {
    return model != null
        ? "Encoder: " + model.id() + ". " + CAVEAT
        : "Encoder: the ColBERT model exported in " + export.dir + " (PyLate's conventions, read from its files).";
  }

  /**
   * Everything that decides the vectors this encoder gives (model, limits, token selection,
   * version): two encoders with equal settings give equal matrices. Part of cache keys.
   */
  public String settings() {
    if (export != null) {
      return id() + " " + export.settings() + " v" + VERSION;
    }
    return model.id()
        + " output="
        + model.outputName()
        + " docMaxTokens="
        + model.maxTokens()
        + " queryMaxTokens="
        + QUERY_MAX_TOKENS
        + " keep=cls,sep,words(no punctuation) normalized=l2 v"
        + VERSION;
  }

  /** Encodes documents: one {@code float[tokens][dimension]} per text, in order. */
  public List<float[][]> encodeDocuments(List<String> texts) {
    return encode(texts, false);
  }

  /** Encodes queries: one {@code float[tokens][dimension]} per text, in order. */
  public List<float[][]> encodeQueries(List<String> texts) {
    return encode(texts, true);
  }

  /** Encodes one query. */
  public float[][] encodeQuery(String text) {
    return encodeQueries(List.of(text)).get(0);
  }

  /** The tokens of a text that {@link #encodeDocuments} keeps, as strings (for inspection). */
  public synchronized List<String> documentTokens(String text) {
    Tokens tokens = tokenize(List.of(text), false).get(0);
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < tokens.ids.length; i++) {
      if (tokens.keep[i]) {
        kept.add(tokens.strings[i]);
      }
    }
    return kept;
  }

  private synchronized List<float[][]> encode(List<String> texts, boolean queries) {
    if (texts.isEmpty()) {
      return List.of();
    }
    String what = queries ? "queries" : "documents";
    List<Tokens> tokenized = tokenize(texts, queries);
    Integer[] order = IntStream.range(0, texts.size()).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -tokenized.get(i).ids.length));
    float[][][] out = new float[texts.size()][][];
    long totalTokens = tokenized.stream().mapToLong(t -> t.ids.length).sum();
    try (ProgressBar progress =
        texts.size() < 100
            ? null
            : new ProgressBar("encoding " + what + " (" + id() + ")", totalTokens, "tokens")) {
      int start = 0;
      while (start < order.length) {
        int longest = tokenized.get(order[start]).ids.length;
        int rows = Math.max(1, Math.min(BATCH_MAX_TEXTS, BATCH_TOKENS / longest));
        int end = Math.min(order.length, start + rows);
        List<Tokens> batch = new ArrayList<>();
        for (int i = start; i < end; i++) {
          batch.add(tokenized.get(order[i]));
        }
        float[][][] encoded = run(batch, longest);
        for (int i = start; i < end; i++) {
          out[order[i]] = encoded[i - start];
        }
        if (progress != null) {
          progress.advance(batch.stream().mapToLong(t -> t.ids.length).sum());
        }
        start = end;
      }
    }
    return List.of(out);
  }

  /**
   * A tokenised text, cut to length, as the model sees it: ids, token strings, which positions
   * are attended, and which positions' vectors are kept.
   */
  private record Tokens(long[] ids, String[] strings, boolean[] attend, boolean[] keep) {}

  private List<Tokens> tokenize(List<String> texts, boolean queries) {
    HuggingFaceTokenizer tok = tokenizer();
    int maxTokens = export != null ? (queries ? export.queryLength : export.documentLength) : (queries ? QUERY_MAX_TOKENS : model.maxTokens());
    long prefix = export == null ? -1 : queries ? export.queryPrefixId : export.documentPrefixId;
    List<Tokens> result = new ArrayList<>(texts.size());
    for (Encoding encoding : tok.batchEncode(texts)) {
      long[] ids = encoding.getIds();
      String[] strings = encoding.getTokens();
      long[] special = encoding.getSpecialTokenMask();
      int room = prefix >= 0 ? maxTokens - 1 : maxTokens;
      if (ids.length > room) { // keep the first tokens and the final [SEP]
        ids = cut(ids, room);
        strings = cut(strings, room);
        special = cut(special, room);
      }
      if (prefix >= 0) { // PyLate's marker of a query or a document, right after [CLS]
        ids = insert(ids, prefix);
        strings = insert(strings, queries ? export.queryPrefix : export.documentPrefix);
        special = insert(special, 1);
      }
      int length = ids.length;
      if (export != null && queries && export.queryExpansion && length < maxTokens) { // pad with [MASK]
        ids = Arrays.copyOf(ids, maxTokens);
        Arrays.fill(ids, length, maxTokens, export.maskId);
        strings = Arrays.copyOf(strings, maxTokens);
        Arrays.fill(strings, length, maxTokens, "[expansion]");
        special = Arrays.copyOf(special, maxTokens);
        Arrays.fill(special, length, maxTokens, 1);
      }
      boolean[] attend = new boolean[ids.length];
      boolean[] keep = new boolean[ids.length];
      for (int i = 0; i < ids.length; i++) {
        attend[i] = i < length || export.attendToExpansion;
        if (export == null) {
          keep[i] = special[i] == 1 || !isPunctuation(strings[i]);
        } else {
          keep[i] = queries || special[i] == 1 || export.skiplistIds.contains(ids[i]) == false;
        }
      }
      result.add(new Tokens(ids, strings, attend, keep));
    }
    return result;
  }

  /** Whether a WordPiece token is made only of punctuation or symbols (after any "##"). */
  static boolean isPunctuation(String token) {
    String s = token.startsWith("##") && token.length() > 2 ? token.substring(2) : token;
    return s.codePoints().noneMatch(Character::isLetterOrDigit);
  }

  private static long[] insert(long[] a, long value) {
    long[] c = new long[a.length + 1];
    c[0] = a[0];
    c[1] = value;
    System.arraycopy(a, 1, c, 2, a.length - 1);
    return c;
  }

  private static String[] insert(String[] a, String value) {
    String[] c = new String[a.length + 1];
    c[0] = a[0];
    c[1] = value;
    System.arraycopy(a, 1, c, 2, a.length - 1);
    return c;
  }

  private static long[] cut(long[] a, int n) {
    long[] c = Arrays.copyOf(a, n);
    c[n - 1] = a[a.length - 1];
    return c;
  }

  private static String[] cut(String[] a, int n) {
    String[] c = Arrays.copyOf(a, n);
    c[n - 1] = a[a.length - 1];
    return c;
  }

  /** Runs the model on a batch padded to {@code length}; returns each text's kept vectors. */
  private float[][][] run(List<Tokens> batch, int length) {
    int rows = batch.size();
    long[] ids = new long[rows * length];
    long[] mask = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      Tokens tokens = batch.get(r);
      System.arraycopy(tokens.ids, 0, ids, r * length, tokens.ids.length);
      for (int t = 0; t < tokens.attend.length; t++) {
        mask[r * length + t] = tokens.attend[t] ? 1 : 0;
      }
    }
    long[] shape = {rows, length};
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession s = session();
    String output = model != null ? model.outputName() : s.getOutputNames().iterator().next();
    try (OnnxTensor idsTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor typesTensor =
            OnnxTensor.createTensor(env, LongBuffer.wrap(new long[rows * length]), shape)) {
      Map<String, OnnxTensor> inputs = new HashMap<>(Map.of("input_ids", idsTensor, "attention_mask", maskTensor));
      if (s.getInputNames().contains("token_type_ids")) { // BERT has them, ModernBERT not
        inputs.put("token_type_ids", typesTensor);
      }
      try (OrtSession.Result result = s.run(inputs, Set.of(output))) {
        return vectors(batch, length, (OnnxTensor) result.get(0));
      }
    } catch (OrtException e) {
      throw new IllegalStateException("onnxruntime failed on " + id(), e);
    }
  }

  /** The kept positions' vectors of a batch's output [rows, length, hidden], projected and normalised. */
  private float[][][] vectors(List<Tokens> batch, int length, OnnxTensor output) {
    long[] outputShape = output.getInfo().getShape();
    if (outputShape.length != 3 || outputShape[1] != length) {
      throw new IllegalStateException(id() + ": the model's output has shape " + Arrays.toString(outputShape) + ", expected [batch, " + length + ", dimension]");
    }
    FloatBuffer hidden = output.getFloatBuffer();
    int dim = (int) outputShape[2];
    int rows = batch.size();
    float[][][] out = new float[rows][][];
    for (int r = 0; r < rows; r++) {
      boolean[] keep = batch.get(r).keep;
      int kept = 0;
      for (boolean k : keep) {
        kept += k ? 1 : 0;
      }
      float[][] matrix = new float[kept][];
      int row = 0;
      for (int t = 0; t < keep.length; t++) {
        if (keep[t]) {
          float[] vector = new float[dim];
          hidden.get((r * length + t) * dim, vector);
          matrix[row] = export == null ? vector : export.project(vector);
          normalize(matrix[row++]);
        }
      }
      out[r] = matrix;
    }
    return out;
  }

  static void normalize(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
  }

  private HuggingFaceTokenizer tokenizer() {
    if (tokenizer == null) {
      try (InputStream in = model != null ? resource(model.tokenizerResource()) : Files.newInputStream(export.dir.resolve("tokenizer.json"))) {
        tokenizer =
            HuggingFaceTokenizer.newInstance(
                in,
                Map.of(
                    "addSpecialTokens", "true",
                    "truncation", "false",
                    "padding", "false"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the tokenizer of " + id(), e);
      }
    }
    return tokenizer;
  }

  private OrtSession session() {
    if (session == null) {
      try (InputStream in = model != null ? resource(model.modelResource()) : Files.newInputStream(export.dir.resolve("model.onnx"))) {
        byte[] bytes = in.readAllBytes();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // Threads sleep instead of spinning between operators: these machines are shared.
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        session = OrtEnvironment.getEnvironment().createSession(bytes, options);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the model of " + id(), e);
      } catch (OrtException e) {
        throw new IllegalStateException("onnxruntime cannot load the model of " + id(), e);
      }
    }
    return session;
  }

  private static InputStream resource(String name) {
    InputStream in = TokenEncoder.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(
          name + " not on the classpath (it is in a dev.langchain4j:langchain4j-embeddings-* jar)");
    }
    return in;
  }

  /** Releases the model and tokenizer. */
  @Override
  public synchronized void close() {
    try {
      if (session != null) {
        session.close();
      }
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    } finally {
      session = null;
      if (tokenizer != null) {
        tokenizer.close();
        tokenizer = null;
      }
    }
  }
}
