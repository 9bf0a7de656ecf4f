package dev.multivector.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BeirTest {
  @Test
  void dbpedia5k() {
    TextDataset dbpedia = Beir.dbpedia5k();
    assertEquals("dbpedia-5k", dbpedia.name());
    assertEquals(5000, dbpedia.documents().size());
    assertEquals(50, dbpedia.queries().size());
    // qrels/test.tsv: 3,709 judgements (header excluded) over 40 distinct queries; each of the
    // 40 has at least one relevant (grade > 0) entity; 10 queries have no judgement at all
    Qrels qrels = dbpedia.qrels();
    assertEquals(40, qrels.queryIds().size());
    assertEquals(3709, qrels.size());
    assertTrue(qrels.queryIds().stream().allMatch(q -> !qrels.relevant(q).isEmpty()));
    assertTrue(dbpedia.queryIds().containsAll(qrels.queryIds()));
    Set<String> docIds = new HashSet<>(dbpedia.documentIds());
    assertTrue(qrels.queryIds().stream().allMatch(q -> docIds.containsAll(qrels.gains(q).keySet())));

    // grade 0 is judged but not relevant
    assertEquals(0, qrels.gains("INEX_LD-2010019").get("<dbpedia:Ancient_Roman_architecture>"));
    assertFalse(qrels.relevant("INEX_LD-2010019").contains("<dbpedia:Ancient_Roman_architecture>"));
    assertEquals(1, qrels.gains("INEX_LD-2010019").get("<dbpedia:Art_in_Paris>"));

    // text = title + " " + text
    assertEquals("<dbpedia:Oceanic_Airlines>", dbpedia.documents().get(0).id());
    assertTrue(dbpedia.documents().get(0).text().startsWith("Oceanic Airlines Oceanic Airlines and less frequently"));
    assertEquals("B. F. Skinner", dbpedia.queries().get(0).text());
  }
}
