package dev.multivector.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CranfieldTest {
  private static TextDataset cranfield;

  @BeforeAll
  static void load() {
    cranfield = Cranfield.load();
  }

  @Test
  void counts() {
    assertEquals("cranfield", cranfield.name());
    assertEquals(1400, cranfield.documents().size());
    assertEquals(225, cranfield.queries().size());
    assertEquals(225, cranfield.qrels().queryIds().size());
    // 1,837 judgement lines: 225 with grade -1 (dropped), 1,612 graded 1..4
    assertEquals(1612, cranfield.qrels().size());
    assertEquals("1", cranfield.documents().get(0).id());
    assertEquals("1400", cranfield.documents().get(1399).id());
    // documents 471 and 995 are empty in the source (no title, no abstract)
    assertEquals(List.of("471", "995"),
        cranfield.documents().stream().filter(d -> d.text().isBlank()).map(TextDataset.Text::id).toList());
  }

  @Test
  void documentText() {
    assertTrue(
        cranfield.documents().get(0).text()
            .startsWith("experimental investigation of the aerodynamics of a wing in a slipstream ."));
  }

  /** cran.qry's .I values skip numbers (001, 002, 004, ... 365); cranqrel counts positions. */
  @Test
  void queriesAreNumberedByPosition() {
    assertEquals("3", cranfield.queries().get(2).id());
    // the third query in the file is ".I 004", about heat conduction in composite slabs
    assertTrue(cranfield.queries().get(2).text().startsWith("what problems of heat conduction in composite slabs"));
    // and cranqrel's query 3 judges slab heat-conduction papers (documents 5, 6, 90 ...)
    Map<String, Integer> gains = cranfield.qrels().gains("3");
    assertEquals(8, gains.size());
    assertTrue(cranfield.documents().get(4).text().contains("heat conduction into a double-layer slab"));
    assertEquals(5 - 3, gains.get("5"));
    // the last query is ".I 365" in the file, query 225 in cranqrel
    assertEquals("225", cranfield.queries().get(224).id());
    assertTrue(cranfield.queries().get(224).text().startsWith("what design factors can be used to control lift-drag ratios"));
    assertEquals(5 - 2, cranfield.qrels().gains("225").get("1379"));
  }

  /** Query 1: 184 29 31 (grade 2), 12 51 ... (grade 3), 486 (-1, dropped). */
  @Test
  void gainIsFiveMinusGrade() {
    Map<String, Integer> gains = cranfield.qrels().gains("1");
    assertEquals(3, gains.get("184"));
    assertEquals(2, gains.get("12"));
    assertFalse(gains.containsKey("486"));
    assertTrue(cranfield.qrels().queryIds().stream()
        .allMatch(q -> cranfield.qrels().gains(q).values().stream().allMatch(g -> g >= 1 && g <= 4)));
  }
}
