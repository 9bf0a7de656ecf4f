package dev.multivector.bench;

import dev.multivector.bench.data.SyntheticMultiVectors.Document;
import dev.multivector.bench.data.VectorDataset;
import dev.multivector.bench.encoder.ProgressBar;
import dev.multivector.lucene.codec.MultiVector104Codec;
import dev.multivector.lucene.codec.MultiVectorValues;
import dev.multivector.lucene.document.MultiVectorField;
import dev.multivector.lucene.document.MultiVectorFieldConfig;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.lucene.document.LateInteractionField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.InfoStream;

/**
 * One index of a data set for the benchmark: built from its documents (field {@value #FIELD},
 * stored id {@value #ID}) by one indexing thread per core, force-merged to one segment unless the
 * spec keeps the flushed segments, with what building it cost.
 */
final class BenchIndex implements Closeable {

  static final String FIELD = "tokens";
  static final String ID = "id";

  /**
   * How to build an index: with {@link MultiVector104Codec} and this configuration (its dimension is
   * the data set's), or, if {@code config} is null, with Lucene's {@link LateInteractionField} and
   * default codec. {@code forceMerge} false keeps the segments as flushed (large corpora, where
   * merging the token graphs would cost as much again as building them).
   */
  record Spec(String name, MultiVectorFieldConfig.Builder config, boolean forceMerge) {
    Spec(String name, MultiVectorFieldConfig.Builder config) {
      this(name, config, true);
    }

    static Spec luceneBuiltin() {
      return new Spec("lucene-builtin", null);
    }

    boolean builtin() {
      return config == null;
    }
  }

  final Spec spec;
  final Path path;
  final FSDirectory directory;
  final DirectoryReader reader;
  final double buildSeconds;
  final double forceMergeSeconds; // of buildSeconds
  final long storedTokens;
  final String[] datasetIds; // by Lucene doc id

  private BenchIndex(Spec spec, Path path, FSDirectory directory, double buildSeconds, double forceMergeSeconds) throws IOException {
    this.spec = spec;
    this.path = path;
    this.directory = directory;
    this.reader = DirectoryReader.open(directory);
    this.buildSeconds = buildSeconds;
    this.forceMergeSeconds = forceMergeSeconds;
    this.datasetIds = new String[reader.maxDoc()];
    long tokens = 0;
    for (LeafReaderContext context : reader.leaves()) {
      StoredFields stored = context.reader().storedFields();
      for (int doc = 0; doc < context.reader().maxDoc(); doc++) {
        datasetIds[context.docBase + doc] = stored.document(doc).get(ID);
      }
      BinaryDocValues values = context.reader().getBinaryDocValues(FIELD);
      if (values != null) {
        MultiVectorValues multiVectors = MultiVectorValues.of(values, FIELD);
        for (int doc = multiVectors.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = multiVectors.nextDoc()) {
          tokens += multiVectors.tokenCount();
        }
      }
    }
    this.storedTokens = tokens;
  }

  /** Prints the centroid index's build timings, and nothing else of the writer's info stream. */
  private static final InfoStream BUILD_TIMINGS =
      new InfoStream() {
        @Override
        public void message(String component, String message) {
          System.out.println(component + ": " + message);
        }

        @Override
        public boolean isEnabled(String component) {
          return component.equals("CentroidTokenIndex");
        }

        @Override
        public void close() {}
      };

  /** Indexes the data set's documents into {@code path}, which is emptied first. */
  static BenchIndex build(Spec spec, VectorDataset data, Path path) throws IOException {
    AtomicInteger next = new AtomicInteger();
    Supplier<Document> documents =
        () -> {
          int d = next.getAndIncrement();
          return d < data.documents().size() ? new Document(d, data.docIds().get(d), data.documents().get(d)) : null;
        };
    return build(spec, documents, data.documents().size(), path, 2048, BUILD_TIMINGS);
  }

  /**
   * Indexes {@code count} documents, taken from {@code documents} (thread-safe, null after the
   * last) by one indexing thread per core, into {@code path}, emptied first, with a RAM buffer of
   * {@code ramBufferMB} and the writer's messages to {@code infoStream}.
   */
  static BenchIndex build(Spec spec, Supplier<Document> documents, int count, Path path, double ramBufferMB, InfoStream infoStream)
      throws IOException {
    IOUtils.rm(path);
    FSDirectory directory = FSDirectory.open(path);
    if (directory instanceof MMapDirectory mapped) {
      // As an engine would: the formats' read hints decide the advice (random for panels and
      // token indexes), so searches do not read ahead (needs --enable-native-access).
      mapped.setReadAdvice(MMapDirectory.ADVISE_BY_CONTEXT);
    }
    MultiVectorFieldConfig config = spec.builtin() ? null : spec.config.build();
    // No compound files: the sizes by structure read the files themselves.
    TieredMergePolicy mergePolicy = new TieredMergePolicy();
    mergePolicy.setNoCFSRatio(0);
    IndexWriterConfig iwc =
        new IndexWriterConfig()
            .setRAMBufferSizeMB(ramBufferMB)
            .setUseCompoundFile(false)
            .setMergePolicy(mergePolicy);
    if (spec.builtin() == false) {
      iwc.setCodec(new MultiVector104Codec());
    }
    ConcurrentMergeScheduler merges = new ConcurrentMergeScheduler();
    iwc.setMergeScheduler(merges);
    iwc.setInfoStream(infoStream);
    long start = System.nanoTime();
    long mergeStart = 0;
    int threads = Runtime.getRuntime().availableProcessors();
    ExecutorService indexers = Executors.newFixedThreadPool(threads);
    try (IndexWriter writer = new IndexWriter(directory, iwc);
        ProgressBar progress = new ProgressBar("indexing " + spec.name, count, "docs")) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(
            indexers.submit(
                () -> {
                  for (Document next = documents.get(); next != null; next = documents.get()) {
                    org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
                    doc.add(new StoredField(ID, next.id()));
                    doc.add(
                        spec.builtin()
                            ? new LateInteractionField(FIELD, next.tokens())
                            : new MultiVectorField(FIELD, next.tokens(), config));
                    writer.addDocument(doc);
                    progress.advance(1);
                  }
                  return null;
                }));
      }
      for (Future<?> task : tasks) {
        task.get();
      }
      if (spec.forceMerge) {
        mergeStart = System.nanoTime();
        writer.forceMerge(1);
      }
    } catch (InterruptedException | ExecutionException e) {
      throw new IOException("indexing " + spec.name + " failed", e);
    } finally {
      indexers.shutdown();
    }
    long end = System.nanoTime();
    return new BenchIndex(spec, path, directory, (end - start) / 1e9, mergeStart == 0 ? 0 : (end - mergeStart) / 1e9);
  }

  /** A searcher on {@code executor} that scores the segment in one partition per thread. */
  IndexSearcher searcher(ExecutorService executor, int threads) {
    return ExhaustiveLatency.searcher(reader, executor, threads);
  }

  /**
   * Bytes on disk by structure: panels (with the token-to-document map of fields with a token
   * index), the INT8 or BIT encoded panels, the token graph's int8 vectors and graph, the centroid
   * index, summary vectors, and the rest.
   */
  Map<String, Long> bytesByStructure() throws IOException {
    Map<String, Long> bytes = new LinkedHashMap<>();
    for (String file : directory.listAll()) {
      bytes.merge(structure(file), directory.fileLength(file), Long::sum);
    }
    return bytes;
  }

  /** The structure an index file belongs to (see {@link #bytesByStructure}). */
  static String structure(String file) {
    if (file.endsWith(".mvd") || file.endsWith(".mvm")) {
      return "panels";
    } else if (file.endsWith(".mve")) {
      return "encoded panels"; // the INT8 or BIT scoring copy
    } else if (file.endsWith(".htv")) {
      return "token index vectors"; // int8 copies of the tokens
    } else if (file.endsWith(".htg") || file.endsWith(".htm")) {
      return "token index graph";
    } else if (file.endsWith(".ctd") || file.endsWith(".ctm")) {
      return "centroid index";
    } else if (file.contains("MultiVectorSummary")) {
      // Lucene's vector files: float32 (.vec), quantized (.veq), graph (.vex), and their metadata
      return file.endsWith(".veq") || file.endsWith(".vemq")
          ? "summary vectors, quantized"
          : file.endsWith(".vex") || file.endsWith(".vem") ? "summary graph" : "summary vectors";
    } else if (file.contains("Lucene90_0.dv")) {
      return "binary doc values";
    }
    return "other";
  }

  long totalBytes() throws IOException {
    return bytesByStructure().values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(reader, directory);
    IOUtils.rm(path);
  }
}
