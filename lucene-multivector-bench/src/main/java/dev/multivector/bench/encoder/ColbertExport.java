package dev.multivector.bench.encoder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A ColBERT model exported to ONNX with PyLate's files around it, and the conventions those files
 * set, read as PyLate reads them:
 *
 * <ul>
 *   <li>{@code model.onnx}: the transformer, inputs {@code input_ids}, {@code attention_mask} and,
 *       if the graph has it, {@code token_type_ids}; its first output is one vector per token;
 *   <li>{@code tokenizer.json}: the Hugging Face tokenizer, which must know the prefix and mask
 *       tokens (in its added tokens or its vocabulary);
 *   <li>{@code config_sentence_transformers.json}: {@code query_prefix} and {@code
 *       document_prefix} (token strings, default {@code "[Q] "} and {@code "[D] "}; an empty
 *       prefix inserts nothing), {@code query_length} (32) and {@code document_length} (180), both
 *       counting [CLS], the prefix and [SEP], {@code do_query_expansion} (true), {@code
 *       attend_to_expansion_tokens} (false) and {@code skiplist_words} (default: each ASCII
 *       punctuation character);
 *   <li>{@code special_tokens_map.json}, if present: {@code mask_token} (default {@code [MASK]});
 *   <li>{@code modules.json}, if present: every module after the first whose type is a {@code
 *       Dense} is a projection applied in order ({@link DenseLayer}); without it the ONNX output
 *       is already the token vector (as exports that fold the projection into the graph do).
 * </ul>
 *
 * <p>Encoding, as PyLate does: the prefix token goes right after [CLS]; a text is cut to its
 * length, keeping [SEP]; a query is padded with the mask token to {@code query_length}, those
 * positions attended only with {@code attend_to_expansion_tokens}, and all its positions are kept
 * (only the attended ones without query expansion); a document drops the tokens of its skiplist
 * words (a word is matched when it is one token) and keeps [CLS], the prefix and [SEP]. The
 * vectors are projected and then L2-normalised.
 */
final class ColbertExport {
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  final Path dir;
  final String queryPrefix;
  final long queryPrefixId; // -1: none
  final String documentPrefix;
  final long documentPrefixId;
  final int queryLength;
  final int documentLength;
  final boolean queryExpansion;
  final boolean attendToExpansion;
  final long maskId;
  final Set<Long> skiplistIds;
  final List<DenseLayer> projection;
  private final List<Path> files; // every file that decides the vectors
  private String contentHash; // of those files, computed when first needed

  private ColbertExport(
      Path dir,
      String queryPrefix,
      String documentPrefix,
      Map<String, Long> vocabulary,
      int queryLength,
      int documentLength,
      boolean queryExpansion,
      boolean attendToExpansion,
      long maskId,
      Set<Long> skiplistIds,
      List<DenseLayer> projection,
      List<Path> files) {
    this.dir = dir;
    this.queryPrefix = queryPrefix;
    this.queryPrefixId = prefixId(queryPrefix, "query_prefix", vocabulary);
    this.documentPrefix = documentPrefix;
    this.documentPrefixId = prefixId(documentPrefix, "document_prefix", vocabulary);
    this.queryLength = queryLength;
    this.documentLength = documentLength;
    this.queryExpansion = queryExpansion;
    this.attendToExpansion = attendToExpansion;
    this.maskId = maskId;
    this.skiplistIds = skiplistIds;
    this.projection = projection;
    this.files = files;
  }

  /**
   * Reads an export folder.
   *
   * @throws IllegalArgumentException naming the file, if one is missing or does not fit the others
   */
  static ColbertExport read(Path dir) throws IOException {
    if (Files.isDirectory(dir) == false) {
      throw new IllegalArgumentException("not a folder: " + dir);
    }
    for (String required : List.of("model.onnx", "tokenizer.json", "config_sentence_transformers.json")) {
      if (Files.isRegularFile(dir.resolve(required)) == false) {
        throw new IllegalArgumentException(required + ": missing (looked for " + dir.resolve(required) + ")");
      }
    }
    Map<String, Long> vocabulary = vocabulary(json(dir.resolve("tokenizer.json")).getAsJsonObject());
    JsonObject config = json(dir.resolve("config_sentence_transformers.json")).getAsJsonObject();
    String mask = "[MASK]";
    if (Files.isRegularFile(dir.resolve("special_tokens_map.json"))) {
      JsonElement token = json(dir.resolve("special_tokens_map.json")).getAsJsonObject().get("mask_token");
      if (token != null) {
        mask = token.isJsonObject() ? token.getAsJsonObject().get("content").getAsString() : token.getAsString();
      }
    }
    List<String> skiplistWords = new ArrayList<>();
    if (config.has("skiplist_words")) {
      config.getAsJsonArray("skiplist_words").forEach(word -> skiplistWords.add(word.getAsString()));
    } else {
      PUNCTUATION.chars().forEach(c -> skiplistWords.add(String.valueOf((char) c)));
    }
    Set<Long> skiplist = new HashSet<>();
    for (String word : skiplistWords) { // a word that is not one token is never matched
      Long id = vocabulary.get(word);
      if (id != null) {
        skiplist.add(id);
      }
    }
    List<DenseLayer> projection = new ArrayList<>();
    List<Path> hashed = new ArrayList<>(List.of(dir.resolve("model.onnx"), dir.resolve("tokenizer.json"), dir.resolve("config_sentence_transformers.json")));
    if (Files.isRegularFile(dir.resolve("modules.json"))) {
      hashed.add(dir.resolve("modules.json"));
      JsonArray modules = json(dir.resolve("modules.json")).getAsJsonArray();
      for (int i = 1; i < modules.size(); i++) {
        JsonObject module = modules.get(i).getAsJsonObject();
        if (module.get("type").getAsString().endsWith("Dense")) {
          Path moduleDir = dir.resolve(module.get("path").getAsString());
          projection.add(DenseLayer.read(moduleDir));
          hashed.add(moduleDir.resolve("config.json"));
          hashed.add(moduleDir.resolve("model.safetensors"));
        }
      }
      for (int i = 1; i < projection.size(); i++) {
        if (projection.get(i).inputs() != projection.get(i - 1).outputs()) {
          throw new IllegalArgumentException(
              "modules.json: Dense module " + (i + 1) + " takes " + projection.get(i).inputs() + " inputs, the one before gives " + projection.get(i - 1).outputs());
        }
      }
    }
    return new ColbertExport(
        dir,
        config.has("query_prefix") ? config.get("query_prefix").getAsString() : "[Q] ",
        config.has("document_prefix") ? config.get("document_prefix").getAsString() : "[D] ",
        vocabulary,
        integer(config, "query_length", 32),
        integer(config, "document_length", 180),
        bool(config, "do_query_expansion", true),
        bool(config, "attend_to_expansion_tokens", false),
        tokenId(mask, vocabulary, "the mask token"),
        Set.copyOf(skiplist),
        List.copyOf(projection),
        List.copyOf(hashed));
  }

  /** The dimension of the token vectors, or -1 if only a run of the model can tell. */
  int dimension() {
    return projection.isEmpty() ? -1 : projection.get(projection.size() - 1).outputs();
  }

  /** The conventions, as part of an encoder's settings. */
  synchronized String settings() {
    if (contentHash == null) {
      try {
        contentHash = hash(files);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + dir, e);
      }
    }
    return "colbert-export sha256=" + contentHash
        + " prefixes=" + queryPrefixId + "," + documentPrefixId
        + " lengths=" + queryLength + "," + documentLength
        + " expansion=" + queryExpansion + "," + attendToExpansion + "," + maskId
        + " skiplist=" + skiplistIds.size()
        + " projection=" + projection.size();
  }

  /** Projects a token vector through the Dense layers (not normalised). */
  float[] project(float[] vector) {
    for (DenseLayer layer : projection) {
      if (vector.length != layer.inputs()) {
        throw new IllegalArgumentException(
            "model.onnx gives vectors of " + vector.length + " dimensions, the Dense projection takes " + layer.inputs());
      }
      vector = layer.apply(vector);
    }
    return vector;
  }

  /** A JSON file of the export; a missing one is named. */
  static JsonElement json(Path file) throws IOException {
    try {
      return JsonParser.parseString(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file.getFileName() + ": missing (looked for " + file + ")");
    }
  }

  /** Token to id: the tokenizer's added tokens and its vocabulary (WordPiece or BPE). */
  private static Map<String, Long> vocabulary(JsonObject tokenizer) {
    Map<String, Long> vocabulary = new HashMap<>();
    JsonObject model = tokenizer.getAsJsonObject("model");
    if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
      for (Map.Entry<String, JsonElement> entry : model.getAsJsonObject("vocab").entrySet()) {
        vocabulary.put(entry.getKey(), entry.getValue().getAsLong());
      }
    }
    if (tokenizer.has("added_tokens")) {
      for (JsonElement added : tokenizer.getAsJsonArray("added_tokens")) {
        vocabulary.put(added.getAsJsonObject().get("content").getAsString(), added.getAsJsonObject().get("id").getAsLong());
      }
    }
    return vocabulary;
  }

  private static long prefixId(String prefix, String key, Map<String, Long> vocabulary) {
    return prefix.isEmpty() ? -1 : tokenId(prefix, vocabulary, key + " '" + prefix + "'");
  }

  private static long tokenId(String token, Map<String, Long> vocabulary, String what) {
    Long id = vocabulary.get(token);
    if (id == null) {
      id = vocabulary.get(token.strip());
    }
    if (id == null) {
      throw new IllegalArgumentException("tokenizer.json: has no token for " + what + " (" + token + ")");
    }
    return id;
  }

  private static int integer(JsonObject config, String key, int defaultValue) {
    int value = config.has(key) ? config.get(key).getAsInt() : defaultValue;
    if (value < 3) {
      throw new IllegalArgumentException("config_sentence_transformers.json: " + key + " " + value + " leaves no room for a token");
    }
    return value;
  }

  private static boolean bool(JsonObject config, String key, boolean defaultValue) {
    return config.has(key) ? config.get(key).getAsBoolean() : defaultValue;
  }

  private static String hash(List<Path> files) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    for (Path file : files) {
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
    return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
  }
}
