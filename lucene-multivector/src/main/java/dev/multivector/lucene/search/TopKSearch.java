package dev.multivector.lucene.search;

import dev.multivector.lucene.codec.TokenIndex;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.HitQueue;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

/**
 * Finds the top k of a {@link LateInteractionQuery} while it rewrites: its first stage gathers
 * candidate documents (all of them, for the exhaustive stage), its second stage scores them, and
 * the searcher's executor runs the segments' work in parallel. Hits carry raw scores (MaxSim, or
 * XTR's estimate of it) and global doc ids.
 */
final class TopKSearch {

  /** Candidate documents of one exact-scoring task. */
  private static final int DOCS_PER_TASK = 256;

  /** Documents an exhaustive task takes at a time. */
  private static final int DOCS_PER_CHUNK = 8;

  private static final Comparator<ScoreDoc> BY_SCORE_THEN_DOC =
      Comparator.comparingDouble((ScoreDoc hit) -> hit.score).reversed().thenComparingInt(hit -> hit.doc);

  private final LateInteractionQuery query;
  private final IndexSearcher searcher;
  private final List<LeafReaderContext> leaves;
  private final Weight filterWeight; // null: no filter
  private final QueryTimeout timeout; // null: none
  private volatile boolean timedOut;

  private TopKSearch(LateInteractionQuery query, IndexSearcher searcher) throws IOException {
    this.query = query;
    this.searcher = searcher;
    this.leaves = searcher.getIndexReader().leaves();
    this.filterWeight = query.filterWeight(searcher);
    this.timeout = searcher.getTimeout();
  }

  /**
   * Whether the searcher's {@link QueryTimeout} says to stop; once it has, the search returns the
   * best of what it scored, and says so in its explanations. Checked every few documents, and by
   * the collectors of graph searches, as Lucene's kNN queries do.
   */
  private boolean shouldExit() {
    if (timedOut) {
      return true;
    }
    if (timeout != null && timeout.shouldExit()) {
      timedOut = true;
    }
    return timedOut;
  }

  /** A collector that stops its graph search when the query times out. */
  private KnnCollector timeLimited(KnnCollector collector) {
    if (timeout == null) {
      return collector;
    }
    return new KnnCollector.Decorator(collector) {
      @Override
      public boolean earlyTerminated() {
        return shouldExit() || super.earlyTerminated();
      }
    };
  }

  static TopMaxSimQuery search(LateInteractionQuery query, IndexSearcher searcher)
      throws IOException {
    IndexReader reader = searcher.getIndexReader();
    query.checkField(reader);
    TopKSearch search = new TopKSearch(query, searcher);
    TopMaxSimQuery.Builder hits =
        switch (query.getFirstStage()) {
          case EXHAUSTIVE ->
              new TopMaxSimQuery.Builder(search.exhaustive(), "exhaustive: every document", true);
          case TOKEN_KNN -> search.tokenKnn();
          case POOLED_KNN -> search.rescore(search.pooledCandidates(), "pooled-vector kNN");
          case QUERY -> search.rescore(search.queryCandidates(), "candidate query");
        };
    return hits.build(query, reader, search.timedOut);
  }

  private TopMaxSimQuery.Builder rescore(int[][] candidates, String stage) throws IOException {
    int count = 0;
    for (int[] docs : candidates) {
      count += docs == null ? 0 : docs.length;
    }
    String description =
        String.format(Locale.ROOT, "%s (%d), %,d candidate documents", stage, query.getFirstStageSize(), count);
    return new TopMaxSimQuery.Builder(exact(candidates), description, true);
  }

  /**
   * Scores every document in as many parallel tasks as the searcher has slices, and keeps the best
   * k. The tasks take the slices' documents {@value #DOCS_PER_CHUNK} at a time, in doc id order,
   * rather than a slice each: threads that share memory bandwidth do not run at the same speed,
   * and a fixed split would wait for the slowest.
   */
  private List<ScoreDoc> exhaustive() throws IOException {
    List<IndexSearcher.LeafReaderContextPartition> partitions = new ArrayList<>();
    for (IndexSearcher.LeafSlice slice : searcher.getSlices()) {
      for (IndexSearcher.LeafReaderContextPartition partition : slice.partitions) {
        if (end(partition) > partition.minDocId) {
          partitions.add(partition);
        }
      }
    }
    // In doc id order, so that each task moves its doc values forward only.
    partitions.sort(
        Comparator.comparingInt((IndexSearcher.LeafReaderContextPartition p) -> p.ctx.ord)
            .thenComparingInt(p -> p.minDocId));
    // Chunk c belongs to the partition p with firstChunk[p] <= c < firstChunk[p + 1].
    int[] firstChunk = new int[partitions.size() + 1];
    for (int p = 0; p < partitions.size(); p++) {
      int docs = end(partitions.get(p)) - partitions.get(p).minDocId;
      firstChunk[p + 1] = firstChunk[p] + (docs + DOCS_PER_CHUNK - 1) / DOCS_PER_CHUNK;
    }
    AtomicInteger nextChunk = new AtomicInteger();
    List<Callable<List<ScoreDoc>>> tasks = new ArrayList<>();
    for (int t = 0; t < searcher.getSlices().length; t++) {
      tasks.add(
          () -> {
            HitQueue queue = new HitQueue(query.getK(), false);
            LeafReaderContext context = null;
            SegmentMaxSim maxSim = null;
            DocIdSetIterator candidates = null;
            Bits live = null;
            for (int chunk = nextChunk.getAndIncrement();
                chunk < firstChunk[partitions.size()] && shouldExit() == false;
                chunk = nextChunk.getAndIncrement()) {
              int p = Arrays.binarySearch(firstChunk, chunk);
              p = p >= 0 ? p : -p - 2;
              IndexSearcher.LeafReaderContextPartition partition = partitions.get(p);
              if (partition.ctx != context) {
                context = partition.ctx;
                maxSim = query.segmentMaxSim(context);
                candidates = query.candidates(maxSim, context, filterWeight);
                live = context.reader().getLiveDocs();
              }
              if (candidates == null) {
                continue;
              }
              int from = partition.minDocId + (chunk - firstChunk[p]) * DOCS_PER_CHUNK;
              int to = Math.min(end(partition), from + DOCS_PER_CHUNK);
              // The iterator may already stand in this chunk, where the previous one ended.
              int doc = candidates.docID() >= from ? candidates.docID() : candidates.advance(from);
              for (; doc < to; doc = candidates.nextDoc()) {
                if (live == null || live.get(doc)) {
                  queue.insertWithOverflow(new ScoreDoc(context.docBase + doc, maxSim.maxSim()));
                }
              }
            }
            return drain(queue);
          });
    }
    return best(searcher.getTaskExecutor().invokeAll(tasks), query.getK());
  }

  /** The end of a partition's doc ids: a partition of a whole segment ends at no doc id. */
  private static int end(IndexSearcher.LeafReaderContextPartition partition) {
    return Math.min(partition.maxDocId, partition.ctx.reader().maxDoc());
  }

  /**
   * Exact MaxSim of candidate documents (by leaf ordinal, ascending local doc ids, null for none),
   * in parallel tasks of {@value #DOCS_PER_TASK} documents; the best k.
   */
  private List<ScoreDoc> exact(int[][] candidates) throws IOException {
    List<Callable<List<ScoreDoc>>> tasks = new ArrayList<>();
    for (LeafReaderContext context : leaves) {
      int[] docs = candidates[context.ord];
      for (int from = 0; docs != null && from < docs.length; from += DOCS_PER_TASK) {
        int start = from, end = Math.min(docs.length, from + DOCS_PER_TASK);
        tasks.add(
            () -> {
              SegmentMaxSim maxSim = query.segmentMaxSim(context);
              if (maxSim == null) {
                return List.of(); // candidates of a reader that hides the field
              }
              HitQueue queue = new HitQueue(query.getK(), false);
              for (int i = start; i < end; i++) {
                if (i % DOCS_PER_CHUNK == 0 && shouldExit()) {
                  break;
                }
                if (maxSim.values.advanceExact(docs[i])) {
                  queue.insertWithOverflow(new ScoreDoc(context.docBase + docs[i], maxSim.maxSim()));
                }
              }
              return drain(queue);
            });
      }
    }
    return best(searcher.getTaskExecutor().invokeAll(tasks), query.getK());
  }

  /**
   * TOKEN_KNN: each query token's k' nearest tokens in every segment's token graph, in parallel;
   * of those, each query token keeps its k' best over the whole index (XTR's retrieval). Their
   * documents are the candidates. The second stage scores them exactly, or with XTR's estimate:
   * for each query token, the best similarity retrieved from the document, or, if none was, the
   * query token's k'-th retrieved similarity (the imputed missing similarity). Segments without a
   * token graph are scored exhaustively.
   */
  private TopMaxSimQuery.Builder tokenKnn() throws IOException {
    final int queryTokens = query.tokens().count;
    final int kPrime = query.getFirstStageSize();
    List<Callable<Retrieved>> tasks = new ArrayList<>();
    List<LeafReaderContext> withoutGraph = new ArrayList<>();
    for (LeafReaderContext context : leaves) {
      SegmentMaxSim probe = query.segmentMaxSim(context);
      if (probe == null) {
        continue;
      }
      if (probe.values.tokenIndex() == null) {
        withoutGraph.add(context);
        continue;
      }
      Bits acceptDocs = acceptDocs(context);
      for (int i = 0; i < queryTokens; i++) {
        int queryToken = i;
        tasks.add(
            () -> {
              SegmentMaxSim maxSim = query.segmentMaxSim(context);
              TokenIndex index = maxSim.values.tokenIndex();
              KnnCollector collector = timeLimited(new TopKnnCollector(kPrime, Integer.MAX_VALUE));
              if (shouldExit() == false) {
                index.search(maxSim.queryToken(queryToken), collector, index.acceptTokens(acceptDocs));
              }
              ScoreDoc[] tokens = collector.topDocs().scoreDocs;
              int[] docs = new int[tokens.length];
              float[] similarities = new float[tokens.length];
              for (int j = 0; j < tokens.length; j++) {
                docs[j] = index.docOfToken(tokens[j].doc);
                similarities[j] = LateInteractionQuery.maxSim(tokens[j].score);
              }
              return new Retrieved(context.ord, queryToken, docs, similarities);
            });
      }
    }
    List<Retrieved> retrieved = searcher.getTaskExecutor().invokeAll(tasks);

    // Each query token's k'-th best similarity over the index: the retrieval threshold.
    float[][] similarities = new float[queryTokens][0];
    for (Retrieved r : retrieved) {
      float[] all = Arrays.copyOf(similarities[r.queryToken], similarities[r.queryToken].length + r.similarities.length);
      System.arraycopy(r.similarities, 0, all, all.length - r.similarities.length, r.similarities.length);
      similarities[r.queryToken] = all;
    }
    float[] threshold = new float[queryTokens];
    for (int i = 0; i < queryTokens; i++) {
      float[] all = similarities[i];
      Arrays.sort(all);
      threshold[i] = all.length == 0 ? 0f : all[all.length - Math.min(kPrime, all.length)];
    }
    // Candidates, by leaf and doc, with the best retrieved similarity of each query token.
    List<Map<Integer, float[]>> best = new ArrayList<>();
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      best.add(new HashMap<>());
    }
    for (Retrieved r : retrieved) {
      for (int j = 0; j < r.docs.length; j++) {
        if (r.similarities[j] >= threshold[r.queryToken]) {
          float[] perQueryToken =
              best.get(r.leaf)
                  .computeIfAbsent(
                      r.docs[j],
                      doc -> {
                        float[] none = new float[queryTokens];
                        Arrays.fill(none, Float.NaN);
                        return none;
                      });
          if (Float.isNaN(perQueryToken[r.queryToken]) || r.similarities[j] > perQueryToken[r.queryToken]) {
            perQueryToken[r.queryToken] = r.similarities[j];
          }
        }
      }
    }
    int[][] candidates = new int[leaves.size()][];
    int count = 0;
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      candidates[leaf] = best.get(leaf).keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      count += candidates[leaf].length;
    }
    List<ScoreDoc> hits;
    boolean xtr = query.getSecondStage() == LateInteractionQuery.SecondStage.XTR;
    if (xtr) {
      hits = new ArrayList<>();
      for (int leaf = 0; leaf < leaves.size(); leaf++) {
        int docBase = leaves.get(leaf).docBase;
        for (Map.Entry<Integer, float[]> doc : best.get(leaf).entrySet()) {
          float estimate = 0;
          for (int i = 0; i < queryTokens; i++) {
            float s = doc.getValue()[i];
            estimate += Float.isNaN(s) ? threshold[i] : s;
          }
          hits.add(new ScoreDoc(docBase + doc.getKey(), estimate));
        }
      }
    } else {
      hits = new ArrayList<>(exact(candidates));
    }
    if (withoutGraph.isEmpty() == false) {
      int[][] everyDoc = new int[leaves.size()][];
      for (LeafReaderContext context : withoutGraph) {
        everyDoc[context.ord] = liveCandidates(context);
        count += everyDoc[context.ord].length;
      }
      hits.addAll(exact(everyDoc));
    }
    String description =
        String.format(
            Locale.ROOT,
            "token kNN (%d tokens per query token)%s, %,d candidate documents, second stage %s",
            kPrime,
            withoutGraph.isEmpty() ? "" : " and " + withoutGraph.size() + " segments without a token graph",
            count,
            xtr ? "XTR estimate" : "exact MaxSim");
    return new TopMaxSimQuery.Builder(best(List.of(hits), query.getK()), description, xtr == false);
  }

  private record Retrieved(int leaf, int queryToken, int[] docs, float[] similarities) {}

  /** POOLED_KNN: the documents whose pooled vectors are nearest the query's, over the index. */
  private int[][] pooledCandidates() throws IOException {
    final int numCandidates = query.getFirstStageSize();
    List<Callable<List<ScoreDoc>>> tasks = new ArrayList<>();
    for (LeafReaderContext context : leaves) {
      FieldInfo info = context.reader().getFieldInfos().fieldInfo(query.getField());
      if (info == null) {
        continue;
      }
      MultiVectorFieldConfig config = MultiVectorFieldConfig.fromFieldInfo(info);
      if (config == null || info.hasVectorValues() == false) {
        throw new IllegalArgumentException(
            "field \"" + query.getField() + "\" has no pooled vectors for the pooled-vector first "
                + "stage: index it as a MultiVectorField");
      }
      boolean cosine = config.similarity() == VectorSimilarityFunction.COSINE;
      float[] pooledQuery =
          config.pooledVector().of(query.tokens().matrix(query.getField(), config.similarity()), cosine);
      Bits acceptDocs = acceptDocs(context);
      tasks.add(
          () -> {
            KnnCollector collector = timeLimited(new TopKnnCollector(numCandidates, Integer.MAX_VALUE));
            if (shouldExit() == false) {
              context
                  .reader()
                  .searchNearestVectors(
                      query.getField(),
                      pooledQuery,
                      collector,
                      AcceptDocs.fromLiveDocs(acceptDocs, context.reader().maxDoc()));
            }
            TopDocs nearest = collector.topDocs();
            List<ScoreDoc> hits = new ArrayList<>(nearest.scoreDocs.length);
            for (ScoreDoc hit : nearest.scoreDocs) {
              hits.add(new ScoreDoc(context.docBase + hit.doc, hit.score));
            }
            return hits;
          });
    }
    return byLeaf(best(searcher.getTaskExecutor().invokeAll(tasks), numCandidates));
  }

  /** QUERY: the candidate query's top hits (within the filter). */
  private int[][] queryCandidates() throws IOException {
    Query candidateQuery = query.getCandidateQuery();
    if (query.getFilter() != null) {
      candidateQuery =
          new BooleanQuery.Builder()
              .add(candidateQuery, BooleanClause.Occur.MUST)
              .add(query.getFilter(), BooleanClause.Occur.FILTER)
              .build();
    }
    TopDocs top = searcher.search(candidateQuery, query.getFirstStageSize());
    shouldExit(); // the searcher stops the candidate query at the same timeout
    return byLeaf(Arrays.asList(top.scoreDocs));
  }

  /** Global doc ids grouped by leaf ordinal, ascending. */
  private int[][] byLeaf(List<ScoreDoc> hits) {
    List<List<Integer>> docs = new ArrayList<>();
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      docs.add(new ArrayList<>());
    }
    for (ScoreDoc hit : hits) {
      int leaf = ReaderUtil.subIndex(hit.doc, leaves);
      docs.get(leaf).add(hit.doc - leaves.get(leaf).docBase);
    }
    int[][] byLeaf = new int[leaves.size()][];
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      byLeaf[leaf] = docs.get(leaf).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return byLeaf;
  }

  /** The live documents of a leaf that pass the filter, or null for all of them. */
  private Bits acceptDocs(LeafReaderContext context) throws IOException {
    Bits live = context.reader().getLiveDocs();
    if (filterWeight == null) {
      return live;
    }
    FixedBitSet accepted = new FixedBitSet(context.reader().maxDoc());
    Scorer filter = filterWeight.scorer(context);
    if (filter != null) {
      DocIdSetIterator it = filter.iterator();
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        if (live == null || live.get(doc)) {
          accepted.set(doc);
        }
      }
    }
    return accepted;
  }

  /** Every live document of the leaf with a value that passes the filter. */
  private int[] liveCandidates(LeafReaderContext context) throws IOException {
    SegmentMaxSim maxSim = query.segmentMaxSim(context);
    DocIdSetIterator candidates = query.candidates(maxSim, context, filterWeight);
    Bits live = context.reader().getLiveDocs();
    List<Integer> docs = new ArrayList<>();
    for (int doc = candidates == null ? DocIdSetIterator.NO_MORE_DOCS : candidates.nextDoc();
        doc != DocIdSetIterator.NO_MORE_DOCS;
        doc = candidates.nextDoc()) {
      if (live == null || live.get(doc)) {
        docs.add(doc);
      }
    }
    return docs.stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<ScoreDoc> drain(HitQueue queue) {
    List<ScoreDoc> hits = new ArrayList<>(queue.size());
    for (ScoreDoc hit : queue) {
      hits.add(hit);
    }
    return hits;
  }

  /** The best {@code n} of several lists of hits: highest score first, then lowest doc id. */
  private static List<ScoreDoc> best(List<List<ScoreDoc>> lists, int n) {
    List<ScoreDoc> all = new ArrayList<>();
    lists.forEach(all::addAll);
    all.sort(BY_SCORE_THEN_DOC);
    return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
  }
}
