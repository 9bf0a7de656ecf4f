package dev.multivector.lucene.search;

import dev.multivector.lucene.codec.CentroidTokenIndexFormat;
import dev.multivector.lucene.codec.MultiVectorValues;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConjunctionUtils;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.HitQueue;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

/**
 * Finds the top k of a {@link LateInteractionQuery} while it rewrites. A first stage (a candidate
 * source) gives each segment's candidates: all its documents, or a list; a second stage scores
 * them: exact MaxSim, or scores the first stage already estimated (XTR). One driver scores every
 * candidate in parallel tasks on the searcher's executor, stops at the searcher's timeout, and
 * keeps the best k, with raw scores (MaxSim or its estimate) and global doc ids.
 */
final class TopKSearch {

  /** Documents an exhaustive task takes at a time. */
  private static final int DOCS_PER_CHUNK = 8;

  /** Listed candidates a task takes at a time. */
  private static final int CANDIDATES_PER_CHUNK = 32;

  private static final Comparator<ScoreDoc> BY_SCORE_THEN_DOC =
      Comparator.comparingDouble((ScoreDoc hit) -> hit.score).reversed().thenComparingInt(hit -> hit.doc);

  /**
   * A segment's candidates: every document with a value that passes the filter ({@link #ALL}), or
   * a sorted list of documents, with the first stage's estimate of each one's MaxSim or null to
   * score them exactly.
   */
  private record Candidates(int[] docs, float[] estimates) {
    static final Candidates ALL = new Candidates(null, null);
    static final Candidates NONE = new Candidates(new int[0], null);

    int count() {
      return docs == null ? 0 : docs.length;
    }
  }

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
    this.filterWeight =
        query.getFilter() == null
            ? null
            : searcher.createWeight(
                searcher.rewrite(query.getFilter()), ScoreMode.COMPLETE_NO_SCORES, 1f);
    this.timeout = searcher.getTimeout();
  }

  static TopMaxSimQuery search(LateInteractionQuery query, IndexSearcher searcher)
      throws IOException {
    for (LeafReaderContext context : searcher.getIndexReader().leaves()) {
      FieldInfo info = context.reader().getFieldInfos().fieldInfo(query.getField());
      if (info != null) {
        SegmentMaxSim.checkField(info, query.tokens());
      }
    }
    TopKSearch search = new TopKSearch(query, searcher);
    Candidates[] candidates = new Candidates[search.leaves.size()];
    String firstStage =
        switch (query.getFirstStage()) {
          case EXHAUSTIVE -> {
            Arrays.fill(candidates, Candidates.ALL);
            yield "exhaustive: every document";
          }
          case TOKEN_KNN -> search.tokenKnn(candidates);
          case SUMMARY_KNN -> search.summaryKnn(candidates);
          case QUERY -> search.queryCandidates(candidates);
        };
    boolean[] estimated = new boolean[candidates.length];
    for (int leaf = 0; leaf < candidates.length; leaf++) {
      estimated[leaf] = candidates[leaf].estimates != null;
    }
    List<ScoreDoc> hits = search.topK(candidates); // best first
    int rescored = 0;
    if (query.getRescore() > 0 && search.shouldExit() == false) {
      List<ScoreDoc> exact = search.rescore(hits, estimated);
      if (search.shouldExit() == false) {
        rescored = hits.size();
        hits = exact;
      }
    }
    if (hits.size() > query.getK()) {
      // Not rescored (timed out before or during rescoring): the first ranking's best k.
      hits = hits.subList(0, query.getK());
    }
    return new TopMaxSimQuery(
        query, hits, searcher.getIndexReader(), firstStage, estimated, rescored, search.timedOut);
  }

  /**
   * The best k of the ranking's hits (its best {@code max(k, rescore)}) by their exact MaxSim,
   * scored in parallel tasks; hits already scored exactly (in a FLOAT32 segment, not estimated)
   * keep their score. Incomplete if the search times out meanwhile.
   */
  private List<ScoreDoc> rescore(List<ScoreDoc> hits, boolean[] estimated) throws IOException {
    ScoreDoc[] byDoc = hits.toArray(ScoreDoc[]::new);
    Arrays.sort(byDoc, Comparator.comparingInt(hit -> hit.doc));
    List<Callable<List<ScoreDoc>>> tasks = new ArrayList<>();
    for (int from = 0; from < byDoc.length; from += CANDIDATES_PER_CHUNK) {
      int start = from, end = Math.min(byDoc.length, from + CANDIDATES_PER_CHUNK);
      tasks.add(
          () -> {
            List<ScoreDoc> rescored = new ArrayList<>(end - start);
            SegmentMaxSim maxSim = null;
            int leaf = -1;
            for (int i = start; i < end && shouldExit() == false; i++) {
              int hitLeaf = ReaderUtil.subIndex(byDoc[i].doc, leaves);
              LeafReaderContext context = leaves.get(hitLeaf);
              if (hitLeaf != leaf) {
                leaf = hitLeaf;
                maxSim = SegmentMaxSim.create(context.reader(), query.getField(), query.tokens());
              }
              if (maxSim.compressed() == false && estimated[hitLeaf] == false) {
                rescored.add(byDoc[i]); // already exact
                continue;
              }
              // A hit has a value: it was scored from it.
              maxSim.values.advanceExact(byDoc[i].doc - context.docBase);
              rescored.add(new ScoreDoc(byDoc[i].doc, maxSim.exactMaxSim()));
            }
            return rescored;
          });
    }
    return best(searcher.getTaskExecutor().invokeAll(tasks), query.getK());
  }

  /**
   * Whether the searcher's {@link QueryTimeout} says to stop; once it has, the search returns the
   * best of what it scored, and says so in its explanations. Checked every few documents, and by
   * the collectors of graph searches, as Lucene's kNN queries do.
   */
  private boolean shouldExit() {
    if (timedOut == false && timeout != null && timeout.shouldExit()) {
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

  /** One task's share of the candidates: a range of a segment's documents or of its list. */
  private record Span(LeafReaderContext context, Candidates candidates, int from, int to, int chunkSize) {
    int chunks() {
      return (to - from + chunkSize - 1) / chunkSize;
    }
  }

  /**
   * Scores the candidates and keeps the best k. As many tasks as the searcher has slices take the
   * candidates a chunk at a time from a shared counter, in doc id order, rather than a slice
   * each: threads that share memory bandwidth do not run at the same speed, and a fixed split
   * would wait for the slowest. Each task's doc values only move forward.
   */
  private List<ScoreDoc> topK(Candidates[] candidates) throws IOException {
    List<Span> spans = new ArrayList<>();
    for (LeafReaderContext context : leaves) {
      Candidates c = candidates[context.ord];
      if (c.docs != null) {
        if (c.docs.length > 0) {
          spans.add(new Span(context, c, 0, c.docs.length, CANDIDATES_PER_CHUNK));
        }
        continue;
      }
      // Every document: the searcher's partitions of the segment, if it has any.
      List<int[]> ranges = new ArrayList<>();
      for (IndexSearcher.LeafSlice slice : searcher.getSlices()) {
        for (IndexSearcher.LeafReaderContextPartition partition : slice.partitions) {
          int end = Math.min(partition.maxDocId, context.reader().maxDoc());
          if (partition.ctx == context && end > partition.minDocId) {
            ranges.add(new int[] {partition.minDocId, end});
          }
        }
      }
      ranges.sort(Comparator.comparingInt(range -> range[0]));
      for (int[] range : ranges) {
        spans.add(new Span(context, c, range[0], range[1], DOCS_PER_CHUNK));
      }
    }
    // Chunk c belongs to the span s with firstChunk[s] <= c < firstChunk[s + 1].
    int[] firstChunk = new int[spans.size() + 1];
    for (int s = 0; s < spans.size(); s++) {
      firstChunk[s + 1] = firstChunk[s] + spans.get(s).chunks();
    }
    AtomicInteger nextChunk = new AtomicInteger();
    List<Callable<List<ScoreDoc>>> tasks = new ArrayList<>();
    for (int t = 0; t < Math.max(1, searcher.getSlices().length); t++) {
      tasks.add(() -> new Task().run(spans, firstChunk, nextChunk));
    }
    return best(searcher.getTaskExecutor().invokeAll(tasks), ranked());
  }

  /**
   * How many hits the ranking keeps: k, or the number to rescore if more, but no more than the
   * index has documents (each task's queue holds that many, allocated up front).
   */
  private int ranked() {
    int documents = Math.max(1, searcher.getIndexReader().maxDoc());
    return Math.min(Math.max(query.getK(), query.getRescore()), documents);
  }

  /** One parallel task: its hits, and the state of the segment it is in. */
  private final class Task {
    private final HitQueue queue = new HitQueue(ranked(), false);
    private LeafReaderContext context;
    private SegmentMaxSim maxSim; // null if the segment has no values
    private DocIdSetIterator all; // the values that pass the filter, for exhaustive spans
    private Bits live;

    List<ScoreDoc> run(List<Span> spans, int[] firstChunk, AtomicInteger nextChunk)
        throws IOException {
      for (int chunk = nextChunk.getAndIncrement();
          chunk < firstChunk[spans.size()] && shouldExit() == false;
          chunk = nextChunk.getAndIncrement()) {
        int s = Arrays.binarySearch(firstChunk, chunk);
        s = s >= 0 ? s : -s - 2; // spans are never empty: chunk starts are distinct
        Span span = spans.get(s);
        int from = span.from + (chunk - firstChunk[s]) * span.chunkSize;
        int to = Math.min(span.to, from + span.chunkSize);
        enter(span);
        if (maxSim == null) {
          continue;
        }
        if (span.candidates.docs == null) {
          scoreAll(from, to);
        } else {
          scoreListed(span.candidates, from, to);
        }
      }
      List<ScoreDoc> hits = new ArrayList<>(queue.size());
      for (ScoreDoc hit : queue) {
        hits.add(hit);
      }
      return hits;
    }

    private void enter(Span span) throws IOException {
      if (span.context == context) {
        return;
      }
      context = span.context;
      maxSim = SegmentMaxSim.create(context.reader(), query.getField(), query.tokens());
      live = context.reader().getLiveDocs();
      all = null;
      if (maxSim != null && span.candidates.docs == null) {
        all = maxSim.values;
        if (filterWeight != null) {
          Scorer filter = filterWeight.scorer(context);
          all =
              filter == null
                  ? DocIdSetIterator.empty()
                  : ConjunctionUtils.intersectIterators(List.of(maxSim.values, filter.iterator()));
        }
      }
    }

    /** Scores the documents in [from, to) that have a value and pass the filter. */
    private void scoreAll(int from, int to) throws IOException {
      // The iterator may already stand in this chunk, where the previous one ended.
      int doc = all.docID() >= from ? all.docID() : all.advance(from);
      for (; doc < to; doc = all.nextDoc()) {
        if (live == null || live.get(doc)) {
          queue.insertWithOverflow(new ScoreDoc(context.docBase + doc, maxSim.maxSim()));
        }
      }
    }

    /** Scores listed candidates {@code [from, to)}, or takes the first stage's estimates. */
    private void scoreListed(Candidates candidates, int from, int to) throws IOException {
      for (int i = from; i < to; i++) {
        int doc = candidates.docs[i];
        if (live != null && live.get(doc) == false) {
          continue;
        }
        if (candidates.estimates != null) {
          queue.insertWithOverflow(new ScoreDoc(context.docBase + doc, candidates.estimates[i]));
        } else if (maxSim.values.advanceExact(doc)) {
          queue.insertWithOverflow(new ScoreDoc(context.docBase + doc, maxSim.maxSim()));
        }
      }
    }
  }

  /**
   * TOKEN_KNN: each query token's k' nearest tokens in every segment's token index, in parallel;
   * of those, each query token keeps its k' best over the whole index (XTR's retrieval). Their
   * documents are the candidates. XTR's estimate of a candidate's MaxSim sums, for each query
   * token, the best similarity retrieved from the document or, if none was, the query token's
   * k'-th retrieved similarity (the imputed missing similarity). Segments without a token index
   * are searched exhaustively. A segment whose filter accepts few documents, or whose searches
   * visit more tokens than the filter accepts, scores its accepted documents exactly.
   *
   * <p>Memory, besides the graph searches': per segment, at most query tokens x k' retrieved tokens
   * (8 bytes each) and candidates (at most as many; 12 bytes each with XTR's estimate), and the
   * filter's bit set.
   */
  private String tokenKnn(Candidates[] candidates) throws IOException {
    final int queryTokens = query.tokens().count;
    final int kPrime = query.getFirstStageSize();
    List<Callable<List<Retrieved>>> tasks = new ArrayList<>();
    int withoutIndex = 0, filteredExactly = 0;
    boolean centroidIndexes = false; // whether a segment's token index is one
    FixedBitSet[] filters = new FixedBitSet[leaves.size()];
    for (LeafReaderContext context : leaves) {
      SegmentMaxSim probe = SegmentMaxSim.create(context.reader(), query.getField(), query.tokens());
      if (probe == null) {
        candidates[context.ord] = Candidates.NONE;
        continue;
      } else if (probe.values.tokenIndex() == null) {
        candidates[context.ord] = Candidates.ALL;
        withoutIndex++;
        continue;
      }
      Bits acceptDocs = acceptDocs(context);
      final int visitLimit;
      if (acceptDocs instanceof FixedBitSet filtered) {
        filters[context.ord] = filtered;
        int accepted = filtered.cardinality();
        if (accepted <= (long) queryTokens * kPrime) {
          // The filter accepts no more documents than the token search could find: score them
          // all exactly, rather than walk much of the graph to find so few (as Lucene's kNN
          // queries fall back to exact search).
          candidates[context.ord] = new Candidates(docs(filtered), null);
          filteredExactly++;
          continue;
        }
        // A search that scores more tokens than the filter accepts costs more than scoring the
        // accepted documents exactly (Lucene's visit limit, with the segment's mean tokens per
        // document): past it, they are.
        long tokens = probe.values.tokenIndex().tokenCount();
        visitLimit =
            (int) Math.min(Integer.MAX_VALUE, Math.max(1, tokens * accepted / Math.max(1, probe.values.cost())));
      } else {
        visitLimit = Integer.MAX_VALUE;
      }
      // Query tokens searched together where that saves work (a centroid index scores its
      // centroids once for all), in as many groups as the searcher has slices; else one a task.
      TokenIndex probeIndex = probe.values.tokenIndex();
      centroidIndexes |= probeIndex.formatName().equals(CentroidTokenIndexFormat.NAME);
      int groups =
          probeIndex.searchesTargetsTogether()
              ? Math.min(queryTokens, Math.max(1, searcher.getSlices().length))
              : queryTokens;
      for (int g = 0; g < groups; g++) {
        int from = g * queryTokens / groups, to = (g + 1) * queryTokens / groups;
        float[][] targets = Arrays.copyOfRange(probe.queryTokens, from, to);
        tasks.add(
            () -> {
              // A token index per task: like the doc values it comes from, it is for one thread.
              TokenIndex index = MultiVectorValues.of(context.reader(), query.getField()).tokenIndex();
              int k = Math.min(kPrime, index.tokenCount());
              TopKnnCollector[] limited = new TopKnnCollector[targets.length];
              KnnCollector[] collectors = new KnnCollector[targets.length];
              for (int i = 0; i < targets.length; i++) {
                limited[i] = new TopKnnCollector(k, visitLimit);
                collectors[i] = timeLimited(limited[i]);
              }
              if (shouldExit() == false) {
                index.search(targets, query.getProbes(), collectors, index.acceptTokens(acceptDocs));
              }
              List<Retrieved> found = new ArrayList<>(targets.length);
              for (int i = 0; i < targets.length; i++) {
                if (limited[i].earlyTerminated()) {
                  found.add(new Retrieved(context.ord, from + i, null, null));
                  continue;
                }
                ScoreDoc[] tokens = collectors[i].topDocs().scoreDocs;
                int[] docs = new int[tokens.length];
                float[] similarities = new float[tokens.length];
                for (int j = 0; j < tokens.length; j++) {
                  docs[j] = index.docOfToken(tokens[j].doc);
                  similarities[j] = LateInteractionQuery.maxSim(tokens[j].score);
                }
                found.add(new Retrieved(context.ord, from + i, docs, similarities));
              }
              return found;
            });
      }
    }
    List<Retrieved> retrieved = new ArrayList<>();
    for (List<Retrieved> found : searcher.getTaskExecutor().invokeAll(tasks)) {
      retrieved.addAll(found);
    }
    int visitedExactly = 0;
    for (Retrieved r : retrieved) {
      if (r.docs == null && candidates[r.leaf] == null) {
        candidates[r.leaf] = new Candidates(docs(filters[r.leaf]), null);
        visitedExactly++;
      }
    }
    // What such segments retrieved is left out of every query token's threshold too.
    retrieved.removeIf(r -> candidates[r.leaf] != null);
    float[] threshold = thresholds(retrieved, queryTokens, kPrime);
    boolean xtr = query.getSecondStage() == LateInteractionQuery.SecondStage.XTR;
    int count = 0;
    for (LeafReaderContext context : leaves) {
      if (candidates[context.ord] == null) {
        candidates[context.ord] = candidates(context.ord, retrieved, threshold, xtr);
      }
      count += candidates[context.ord].count();
    }
    return String.format(
        Locale.ROOT,
        "token kNN (%d tokens per query token%s), %,d candidate documents, second stage %s%s%s%s",
        kPrime,
        centroidIndexes ? "; centroid index: " + query.getProbes() + " lists probed per query token" : "",
        count,
        xtr ? "XTR estimate" : "exact MaxSim",
        withoutIndex == 0
            ? ""
            : "; " + withoutIndex + " segments without a token index, searched exhaustively",
        filteredExactly == 0
            ? ""
            : "; " + filteredExactly + " segments where the filter accepts at most query tokens x k'"
                + " documents, all scored exactly",
        visitedExactly == 0
            ? ""
            : "; " + visitedExactly + " segments where a token search visited more tokens than the"
                + " filter accepts, its documents all scored exactly");
  }

  /** The set bits of {@code bits}, ascending. */
  private static int[] docs(FixedBitSet bits) {
    int[] docs = new int[bits.cardinality()];
    for (int i = 0, doc = bits.nextSetBit(0);
        doc != DocIdSetIterator.NO_MORE_DOCS;
        doc = doc + 1 < bits.length() ? bits.nextSetBit(doc + 1) : DocIdSetIterator.NO_MORE_DOCS) {
      docs[i++] = doc;
    }
    return docs;
  }

  /** What one query token retrieved from one segment. */
  private record Retrieved(int leaf, int queryToken, int[] docs, float[] similarities) {}

  /** Each query token's k'-th best similarity over the index: its retrieval threshold. */
  private static float[] thresholds(List<Retrieved> retrieved, int queryTokens, int kPrime) {
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
    return threshold;
  }

  /**
   * A segment's candidates: the documents of its retrieved tokens at or above their query token's
   * threshold, with XTR's estimate of each if asked. The estimate is the sum of the thresholds,
   * raised for each query token by how far its best retrieved similarity in the document is above
   * its threshold. Memory: the retrieved tokens (at most query tokens x k'), and two ints and a
   * float per candidate.
   */
  private static Candidates candidates(
      int leaf, List<Retrieved> retrieved, float[] threshold, boolean xtr) {
    int total = 0;
    for (Retrieved r : retrieved) {
      total += r.leaf == leaf ? r.docs.length : 0;
    }
    int[] docs = new int[total];
    int n = 0;
    for (Retrieved r : retrieved) {
      if (r.leaf == leaf) {
        for (int j = 0; j < r.docs.length; j++) {
          if (r.similarities[j] >= threshold[r.queryToken]) {
            docs[n++] = r.docs[j];
          }
        }
      }
    }
    Arrays.sort(docs, 0, n);
    int unique = 0;
    for (int i = 0; i < n; i++) {
      if (unique == 0 || docs[i] != docs[unique - 1]) {
        docs[unique++] = docs[i];
      }
    }
    docs = Arrays.copyOf(docs, unique);
    if (xtr == false) {
      return new Candidates(docs, null);
    }
    float sumOfThresholds = 0;
    for (float t : threshold) {
      sumOfThresholds += t;
    }
    float[] estimates = new float[unique];
    Arrays.fill(estimates, sumOfThresholds);
    for (Retrieved r : retrieved) {
      if (r.leaf != leaf) {
        continue;
      }
      // The query token's retrieved tokens by document (doc id, then index), to take each
      // document's best.
      long[] byDoc = new long[r.docs.length];
      for (int j = 0; j < byDoc.length; j++) {
        byDoc[j] = (long) r.docs[j] << 32 | j;
      }
      Arrays.sort(byDoc);
      for (int a = 0, b; a < byDoc.length; a = b) {
        int doc = (int) (byDoc[a] >>> 32);
        float best = Float.NEGATIVE_INFINITY;
        for (b = a; b < byDoc.length && (int) (byDoc[b] >>> 32) == doc; b++) {
          best = Math.max(best, r.similarities[(int) byDoc[b]]);
        }
        if (best >= threshold[r.queryToken]) {
          estimates[Arrays.binarySearch(docs, doc)] += best - threshold[r.queryToken];
        }
      }
    }
    return new Candidates(docs, estimates);
  }

  /** SUMMARY_KNN: the documents whose summary vectors are nearest the query's, over the index. */
  private String summaryKnn(Candidates[] candidates) throws IOException {
    final int numCandidates = query.getFirstStageSize();
    List<Callable<List<ScoreDoc>>> tasks = new ArrayList<>();
    Set<String> kinds = new TreeSet<>(); // the summary vectors searched, for explain
    // The query's summary vector by configuration: segments usually share one, and an FDE of the
    // query's tokens is worth encoding once.
    Map<MultiVectorFieldConfig, float[]> targets = new HashMap<>();
    for (LeafReaderContext context : leaves) {
      FieldInfo info = context.reader().getFieldInfos().fieldInfo(query.getField());
      if (info == null) {
        continue;
      }
      MultiVectorFieldConfig config = MultiVectorFieldConfig.fromFieldInfo(info);
      if (config == null || info.hasVectorValues() == false) {
        throw new IllegalArgumentException(
            "field \"" + query.getField() + "\" has no summary vectors for the summary-vector first "
                + "stage: index it as a MultiVectorField");
      }
      float[] target =
          targets.computeIfAbsent(
              config,
              c -> c.querySummary(query.tokens().forSimilarity(query.getField(), c.similarity())));
      AcceptDocs acceptDocs = AcceptDocs.fromLiveDocs(acceptDocs(context), context.reader().maxDoc());
      boolean oversampled = query.getOversample() > 1 && config.summaryBits() < 32;
      long wanted = oversampled ? (long) Math.ceil(numCandidates * (double) query.getOversample()) : numCandidates;
      kinds.add(summaryKind(config) + (oversampled ? " (" + wanted + " reordered by float32)" : ""));
      // No more than the segment has documents: Lucene's collector allocates its heap up front.
      int searched = (int) Math.min(context.reader().maxDoc(), wanted);
      tasks.add(
          () -> {
            KnnCollector collector = timeLimited(new TopKnnCollector(searched, Integer.MAX_VALUE));
            if (shouldExit() == false) {
              context.reader().searchNearestVectors(query.getField(), target, collector, acceptDocs);
            }
            ScoreDoc[] nearest = collector.topDocs().scoreDocs;
            if (oversampled) {
              nearest = nearestByFloat32(context.reader(), info, target, nearest, numCandidates);
            }
            List<ScoreDoc> hits = new ArrayList<>();
            for (ScoreDoc hit : nearest) {
              hits.add(new ScoreDoc(context.docBase + hit.doc, hit.score));
            }
            return hits;
          });
    }
    List<ScoreDoc> nearest = best(searcher.getTaskExecutor().invokeAll(tasks), numCandidates);
    return describe(
        "summary-vector kNN on " + String.join(", ", kinds), byLeaf(nearest, candidates));
  }

  /**
   * The {@code n} of {@code hits} (a segment's) whose float32 summary vectors are nearest {@code
   * target}, scored by the field's similarity: quantized formats keep the float32 vectors.
   */
  private ScoreDoc[] nearestByFloat32(LeafReader reader, FieldInfo info, float[] target, ScoreDoc[] hits, int n)
      throws IOException {
    FloatVectorValues values = reader.getFloatVectorValues(info.name);
    if (values == null || hits.length == 0) {
      return hits;
    }
    ScoreDoc[] byDoc = hits.clone();
    Arrays.sort(byDoc, Comparator.comparingInt(hit -> hit.doc));
    KnnVectorValues.DocIndexIterator iterator = values.iterator();
    VectorSimilarityFunction similarity = info.getVectorSimilarityFunction();
    for (ScoreDoc hit : byDoc) {
      if (shouldExit()) {
        break; // keep the quantized scores of the rest
      }
      if (iterator.advance(hit.doc) == hit.doc) {
        hit.score = similarity.compare(target, values.vectorValue(iterator.index()));
      }
    }
    Arrays.sort(byDoc, BY_SCORE_THEN_DOC);
    return Arrays.copyOf(byDoc, Math.min(n, byDoc.length));
  }

  /** The summary vector's kind for explain: MEAN, MAX or the FDE's shape, and its bits if quantized. */
  private static String summaryKind(MultiVectorFieldConfig config) {
    MultiVectorFieldConfig.Fde fde = config.fde();
    String kind =
        fde == null
            ? config.summaryVector().name()
            : String.format(
                Locale.ROOT,
                "FDE of %d repetitions x %d buckets x %d",
                fde.repetitions(),
                1 << fde.simHashBits(),
                fde.projectionDimension());
    return config.summaryBits() == 32 ? kind : kind + " (" + config.summaryBits() + "-bit)";
  }

  /** QUERY: the candidate query's top hits (within the filter). */
  private String queryCandidates(Candidates[] candidates) throws IOException {
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
    return describe("candidate query", byLeaf(Arrays.asList(top.scoreDocs), candidates));
  }

  private String describe(String stage, int count) {
    return String.format(
        Locale.ROOT, "%s (%d), %,d candidate documents", stage, query.getFirstStageSize(), count);
  }

  /** Sets each segment's candidates to its hits among {@code hits}; returns their number. */
  private int byLeaf(List<ScoreDoc> hits, Candidates[] candidates) {
    int[][] docs = new int[leaves.size()][];
    int[] counts = new int[leaves.size()];
    for (ScoreDoc hit : hits) {
      counts[ReaderUtil.subIndex(hit.doc, leaves)]++;
    }
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      docs[leaf] = new int[counts[leaf]];
      counts[leaf] = 0;
    }
    for (ScoreDoc hit : hits) {
      int leaf = ReaderUtil.subIndex(hit.doc, leaves);
      docs[leaf][counts[leaf]++] = hit.doc - leaves.get(leaf).docBase;
    }
    for (int leaf = 0; leaf < leaves.size(); leaf++) {
      Arrays.sort(docs[leaf]);
      candidates[leaf] = new Candidates(docs[leaf], null);
    }
    return hits.size();
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

  /** The best {@code n} of several lists of hits: highest score first, then lowest doc id. */
  private static List<ScoreDoc> best(List<List<ScoreDoc>> lists, int n) {
    List<ScoreDoc> all = new ArrayList<>();
    lists.forEach(all::addAll);
    all.sort(BY_SCORE_THEN_DOC);
    return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
  }
}
