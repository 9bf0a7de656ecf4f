package dev.multivector.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.multivector.bench.data.SyntheticMultiVectors;
import dev.multivector.bench.data.VectorDataset;
import dev.multivector.lucene.MaxSimReference;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ScaleBenchTest {
  /** The streaming exact pass (the kernel over panels laid out per document) ranks as plain MaxSim. */
  @Test
  void exactTopIsMaxSim() throws Exception {
    SyntheticMultiVectors.Config corpus = ScaleBench.corpus(600, 6);
    VectorDataset all = SyntheticMultiVectors.generate(corpus);
    SyntheticMultiVectors.DocumentStream stream = new SyntheticMultiVectors.DocumentStream(corpus);
    while (stream.next() != null) {}
    VectorDataset queries = stream.queries();
    Map<String, List<String>> exact = ScaleBench.exactTop(corpus, queries);
    for (int q = 0; q < queries.queries().size(); q++) {
      float[][] query = queries.queries().get(q);
      List<String> expected =
          IntStream.range(0, all.documents().size())
              .boxed()
              .sorted(Comparator.comparingDouble((Integer d) -> -MaxSimReference.maxSim(query, all.documents().get(d))).thenComparing(d -> d))
              .limit(10)
              .map(d -> "doc-" + d)
              .toList();
      assertEquals(expected, exact.get(queries.queryIds().get(q)));
    }
  }
}
