package dev.multivector.bench.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.multivector.bench.data.TextDataset.Text;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Readers of data sets in BEIR's format: {@code corpus.jsonl} ({@code _id}, {@code title},
 * {@code text}), {@code queries.jsonl} ({@code _id}, {@code text}) and {@code qrels/test.tsv}
 * (header line, then query-id, corpus-id, score).
 *
 * <p>A document's text is its title, a space and its text (BEIR's convention). All queries are
 * kept, judged or not; scores are the gains as they are (a score of 0 is a judged non-relevant
 * document).
 */
public final class Beir {
  /** The name of the DBpedia-Entity subset. */
  public static final String DBPEDIA_5K = "dbpedia-5k";

  private Beir() {}

  /**
   * The 5,000-entity subset of BEIR DBPedia-Entity in {@code <datasets>/dbpedia-5k}: 50 queries,
   * of which 40 have judgements (all 40 with at least one relevant entity), graded 0-2.
   */
  public static TextDataset dbpedia5k() {
    return load(DBPEDIA_5K, ProjectPaths.datasetsDir().resolve(DBPEDIA_5K));
  }

  /** {@link #load(String, Path)} named by the folder. */
  public static TextDataset load(Path dir) {
    return load(dir.getFileName().toString(), dir);
  }

  /**
   * Loads a BEIR-format data set from a folder, judged by {@code qrels/test.tsv}.
   *
   * @throws IllegalArgumentException naming the file and line, if a file is missing, a line is
   *     not a JSON object with an {@code _id}, an id repeats, or a judgement names an unknown id
   */
  public static TextDataset load(String name, Path dir) {
    List<Text> documents = new ArrayList<>();
    for (JsonObject doc : readJsonLines(dir.resolve("corpus.jsonl"))) {
      String title = string(doc, "title");
      String text = string(doc, "text");
      documents.add(new Text(string(doc, "_id"), title.isEmpty() ? text : title + " " + text));
    }
    List<Text> queries = new ArrayList<>();
    for (JsonObject query : readJsonLines(dir.resolve("queries.jsonl"))) {
      queries.add(new Text(string(query, "_id"), string(query, "text")));
    }
    requireUnique(documents, "corpus.jsonl");
    requireUnique(queries, "queries.jsonl");
    Qrels qrels = Qrels.readTsv(dir.resolve("qrels").resolve("test.tsv"));
    qrels.requireKnownIds(
        queries.stream().map(Text::id).toList(), documents.stream().map(Text::id).toList(), "qrels/test.tsv");
    return new TextDataset(name, documents, queries, qrels);
  }

  private static void requireUnique(List<Text> texts, String file) {
    Set<String> seen = new HashSet<>();
    for (Text text : texts) {
      if (seen.add(text.id()) == false) {
        throw new IllegalArgumentException(file + ": id '" + text.id() + "' appears more than once");
      }
    }
  }

  private static String string(JsonObject object, String key) {
    return object.has(key) && !object.get(key).isJsonNull() ? object.get(key).getAsString() : "";
  }

  private static List<JsonObject> readJsonLines(Path file) {
    List<JsonObject> objects = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonElement element;
        try {
          element = JsonParser.parseString(line);
        } catch (JsonParseException e) {
          throw new IllegalArgumentException(file.getFileName() + " line " + number + ": not JSON: " + e.getMessage());
        }
        if (element.isJsonObject() == false
            || element.getAsJsonObject().get("_id") == null
            || element.getAsJsonObject().get("_id").isJsonPrimitive() == false
            || string(element.getAsJsonObject(), "_id").isEmpty()) {
          throw new IllegalArgumentException(file.getFileName() + " line " + number + ": not a JSON object with an _id");
        }
        objects.add(element.getAsJsonObject());
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file.getFileName() + ": missing (looked for " + file + ")");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return objects;
  }
}
