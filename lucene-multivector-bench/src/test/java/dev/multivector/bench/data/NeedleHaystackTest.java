package dev.multivector.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multivector.bench.data.TextDataset.Text;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NeedleHaystackTest {
  private static final Pattern NEEDLE = Pattern.compile("The secret ([a-z ]+) is ([A-Za-z0-9]+)\\.");

  @Test
  void needlesAreOnThePagesClaimed() {
    TextDataset ds = NeedleHaystack.generate(42, 300, 8, 20);
    assertEquals(300, ds.documents().size());
    assertEquals(20, ds.queries().size());
    assertEquals(20, ds.qrels().queryIds().size());
    assertEquals(300, new HashSet<>(ds.documentIds()).size());

    for (Text query : ds.queries()) {
      Matcher q = Pattern.compile("What is the secret ([a-z ]+)\\?").matcher(query.text());
      assertTrue(q.matches(), query.text());
      String category = q.group(1);
      Map<String, Integer> gains = ds.qrels().gains(query.id());
      assertEquals(1, gains.size());
      String page = gains.keySet().iterator().next();
      assertEquals(1, gains.get(page));
      // the needle of this category is on the claimed page, and on no other
      for (Text doc : ds.documents()) {
        boolean holds = doc.text().contains("The secret " + category + " is ");
        assertEquals(doc.id().equals(page), holds, doc.id() + " / " + category);
      }
    }
    // exactly 20 needle sentences in all, one per needle page
    int needles = 0;
    for (Text doc : ds.documents()) {
      Matcher m = NEEDLE.matcher(doc.text());
      while (m.find()) {
        needles++;
      }
    }
    assertEquals(20, needles);
  }

  @Test
  void pagesAreEnglishSentences() {
    TextDataset ds = NeedleHaystack.generate(1, 50, 8, 0);
    for (Text doc : ds.documents()) {
      assertTrue(NeedleHaystack.isEnglish(doc.text()), doc.text());
      int words = doc.text().split(" ").length;
      assertTrue(words >= 8 * 4, doc.text());
    }
    assertTrue(ds.queries().isEmpty());
  }

  @Test
  void seeded() {
    TextDataset a = NeedleHaystack.generate(7, 100, 6, 10);
    TextDataset b = NeedleHaystack.generate(7, 100, 6, 10);
    TextDataset c = NeedleHaystack.generate(8, 100, 6, 10);
    assertEquals(a, b);
    assertNotEquals(a.documents(), c.documents());
    assertNotEquals(a.qrels().queryIds().stream().map(q -> a.qrels().gains(q)).toList(),
        c.qrels().queryIds().stream().map(q -> c.qrels().gains(q)).toList());
  }

  @Test
  void europarlHasEnoughEnglish() {
    List<String> sentences = NeedleHaystack.englishSentences();
    assertEquals(7150, sentences.size());
    TextDataset big = NeedleHaystack.generate(3, 893, 8, NeedleHaystack.maxNeedles());
    assertEquals(893, big.documents().size());
    assertThrows(IllegalArgumentException.class, () -> NeedleHaystack.generate(3, 894, 8, 1));
  }

  @Test
  void rejectsImpossibleSizes() {
    assertThrows(IllegalArgumentException.class, () -> NeedleHaystack.generate(1, 10, 8, 11));
    assertThrows(IllegalArgumentException.class,
        () -> NeedleHaystack.generate(1, 100, 8, NeedleHaystack.maxNeedles() + 1));
    assertThrows(IllegalArgumentException.class, () -> NeedleHaystack.generate(1, 1_000_000, 8, 1));
  }
}
