package dev.multivector.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirTest {
  @TempDir Path tmp;

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

  /** {@code judged --beir DIR}: any folder in BEIR's format. */
  @Test
  void anyBeirFolder() throws Exception {
    TextDataset tiny = Beir.load("beir-tiny", fixture());
    assertEquals(List.of("doc1", "doc2", "doc3"), tiny.documentIds());
    assertEquals("Lucene Apache Lucene is a search library written in Java.", tiny.documents().get(0).text());
    assertEquals("ColBERT scores a query against a document by late interaction.", tiny.documents().get(1).text());
    assertEquals(List.of("q1", "q2", "q3"), tiny.queryIds());
    assertEquals(Map.of("doc2", 2, "doc3", 1), tiny.qrels().gains("q1"));
    assertEquals(Set.of("doc1"), tiny.qrels().relevant("q2"));
  }

  @Test
  void malformedBeirFolders() throws Exception {
    assertMessage(Map.of("corpus.jsonl", ""), null, "qrels/test.tsv: 3 judged document ids are not among the documents, for example doc2, doc3, doc1");
    assertMessage(Map.of("qrels/test.tsv", "q1\tdoc2\t2\nq9\tdoc1\t1\n"), null, "qrels/test.tsv: 1 judged query ids are not among the queries, for example q9");
    assertMessage(Map.of("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"a\"}\n{\"_id\": \"q2\", \"text\": \"b\"\n"), null, "queries.jsonl line 2: not JSON");
    assertMessage(Map.of("queries.jsonl", "{\"text\": \"no id\"}\n"), null, "queries.jsonl line 1: not a JSON object with an _id");
    assertMessage(Map.of("corpus.jsonl", "{\"_id\": \"doc1\", \"text\": \"a\"}\n{\"_id\": \"doc1\", \"text\": \"b\"}\n"), null, "corpus.jsonl: id 'doc1' appears more than once");
    assertMessage(Map.of("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\tdoc2\t-1\n"), null, "test.tsv line 2: negative score -1");
    assertMessage(Map.of(), "queries.jsonl", "queries.jsonl: missing");
    assertMessage(Map.of(), "qrels/test.tsv", "test.tsv: missing");
  }

  /** A copy of the fixture with {@code replaced} files rewritten and {@code deleted} deleted. */
  private void assertMessage(Map<String, String> replaced, String deleted, String expected) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "beir");
    Files.createDirectories(dir.resolve("qrels"));
    for (String file : List.of("corpus.jsonl", "queries.jsonl", "qrels/test.tsv")) {
      Files.copy(fixture().resolve(file), dir.resolve(file));
    }
    for (Map.Entry<String, String> file : replaced.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue());
    }
    if (deleted != null) {
      Files.delete(dir.resolve(deleted));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Beir.load("broken", dir));
    assertTrue(e.getMessage().startsWith(expected), () -> "expected '" + expected + "', got '" + e.getMessage() + "'");
  }

  private static Path fixture() throws Exception {
    return Path.of(BeirTest.class.getResource("beir-tiny").toURI());
  }
}
