package dev.multivector.lucene.pooling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TestHierarchicalTokenPooler {

  /** Tolerance on pooled values: both sides round the same double mean to float. */
  private static final float TOLERANCE = 1e-6f;

  /** One file of src-test-data/pooling (format in its README.md). */
  record Fixture(
      String name,
      float[][] tokens,
      int poolFactor,
      int protectedTokens,
      int clamped,
      int[] labels,
      float[][] pooled) {

    static Fixture read(Path path) throws IOException {
      ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[4];
      in.get(magic);
      assertEquals("HTPF", new String(magic, StandardCharsets.US_ASCII), path + ": magic");
      assertEquals(1, in.getInt(), path + ": version");
      int tokens = in.getInt();
      int dim = in.getInt();
      int poolFactor = in.getInt();
      int protectedTokens = in.getInt();
      int clamped = in.getInt();
      float[][] input = readMatrix(in, tokens, dim);
      int[] labels = new int[in.getInt()];
      in.asIntBuffer().get(labels);
      in.position(in.position() + 4 * labels.length);
      float[][] pooled = readMatrix(in, in.getInt(), dim);
      assertEquals(0, in.remaining(), path + ": trailing bytes");
      String name = path.getFileName().toString();
      return new Fixture(name, input, poolFactor, protectedTokens, clamped, labels, pooled);
    }

    private static float[][] readMatrix(ByteBuffer in, int rows, int dim) {
      float[][] matrix = new float[rows][dim];
      for (float[] row : matrix) {
        in.asFloatBuffer().get(row);
        in.position(in.position() + 4 * dim);
      }
      return matrix;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Path fixtureDir() {
    String property = System.getProperty("src.test.data");
    Path base = property != null ? Path.of(property) : Path.of("..", "src-test-data");
    return base.resolve("pooling");
  }

  static Stream<Fixture> fixtures() throws IOException {
    List<Fixture> fixtures = new ArrayList<>();
    try (Stream<Path> files = Files.list(fixtureDir())) {
      for (Path file : files.filter(p -> p.toString().endsWith(".bin")).sorted().toList()) {
        fixtures.add(Fixture.read(file));
      }
    }
    return fixtures.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void reproducesFixture(Fixture fixture) {
    HierarchicalTokenPooler pooler =
        new HierarchicalTokenPooler(fixture.poolFactor(), fixture.protectedTokens());
    float[][] input = deepCopy(fixture.tokens());

    int[] labels = pooler.clusterLabels(input);
    if (fixture.labels().length == 0) {
      assertNull(labels, "nothing to pool");
    } else {
      assertNotNull(labels, "should pool");
      assertArrayEquals(partition(fixture.labels()), partition(labels), "partition");
    }

    float[][] pooled = pooler.pool(input);
    assertEquals(fixture.pooled().length, pooled.length, "pooled tokens");
    for (int i = 0; i < pooled.length; i++) {
      assertArrayEquals(fixture.pooled()[i], pooled[i], TOLERANCE, "pooled token " + i);
    }
    assertArrayEquals(fixture.tokens(), input, "input modified");
  }

  /** The fixtures are there and cover what they are meant to cover. */
  @Test
  void fixturesCoverTheCases() throws IOException {
    List<Fixture> all = fixtures().toList();
    assertTrue(all.size() >= 40, "fixtures in " + fixtureDir() + ": " + all.size());
    assertTrue(all.stream().anyMatch(f -> f.tokens().length == 1024 && f.tokens()[0].length == 128),
        "a 1,024 x 128 case");
    assertTrue(all.stream().anyMatch(f -> f.labels().length == 0), "a case with nothing pooled");
    assertTrue(all.stream().anyMatch(f -> f.clamped() > 0), "a case with clamped distances");
    assertTrue(all.stream().anyMatch(f -> f.protectedTokens() == 0));
    assertTrue(
        all.stream()
            .anyMatch(
                f ->
                    f.labels().length > 0
                        && clusterCount(f.labels())
                            < Math.max(f.labels().length / f.poolFactor(), 1)),
        "a case where ties leave fewer clusters than asked for");
  }

  @Test
  void randomInputs() {
    Random random = new Random(42);
    for (int iteration = 0; iteration < 50; iteration++) {
      int count = 1 + random.nextInt(200);
      int dim = 2 + random.nextInt(40); // not 1: unit tokens of dimension 1 are all ties
      int poolFactor = 1 + random.nextInt(5);
      int protectedTokens = random.nextInt(3);
      float[][] tokens = randomTokens(random, count, dim, random.nextBoolean());
      String message = count + " x " + dim + ", pool factor " + poolFactor
          + ", protected " + protectedTokens;
      float[][] input = deepCopy(tokens);
      HierarchicalTokenPooler pooler = new HierarchicalTokenPooler(poolFactor, protectedTokens);
      float[][] pooled = pooler.pool(input);
      assertArrayEquals(tokens, input, "input modified: " + message);

      int n = Math.max(count - protectedTokens, 0);
      int clusters = Math.max(n / poolFactor, 1);
      int[] labels = pooler.clusterLabels(input);
      if (poolFactor == 1 || clusters >= n) {
        assertNull(labels, message);
        assertArrayEquals(tokens, pooled, message);
      } else {
        // Continuous random values: no ties, so exactly the number of clusters asked for.
        assertEquals(n, labels.length, message);
        assertEquals(clusters, clusterCount(labels), message);
        assertEquals(protectedTokens + clusters, pooled.length, message);
        for (int i = 0; i < protectedTokens; i++) {
          assertArrayEquals(tokens[i], pooled[i], message);
        }
        float[][] means = means(tokens, protectedTokens, labels);
        for (int c = 0; c < clusters; c++) {
          assertArrayEquals(means[c], pooled[protectedTokens + c], TOLERANCE, message);
        }
      }
      for (int i = 0; i < pooled.length; i++) {
        assertNotSame(input[i], pooled[i], "output shares a row with the input: " + message);
      }
    }
  }

  /**
   * The clusters are Ward's: checked against a naive agglomeration (merge the closest pair) on
   * inputs without ties, where the two must agree (ties are the scipy fixtures' business).
   */
  @Test
  void matchesNaiveWard() {
    Random random = new Random(7);
    for (int iteration = 0; iteration < 30; iteration++) {
      int n = 2 + random.nextInt(60);
      int dim = 2 + random.nextInt(24); // dimension 1 has only 2 unit tokens: exact ties
      float[][] tokens = randomTokens(random, n, dim, true);
      int poolFactor = 2 + random.nextInt(3);
      int clusters = Math.max(n / poolFactor, 1);
      int[] labels = new HierarchicalTokenPooler(poolFactor, 0).clusterLabels(tokens);
      assertArrayEquals(
          partition(naiveWard(tokens, clusters)), partition(labels), "n=" + n + " dim=" + dim);
    }
  }

  @Test
  void duplicatesLeaveFewerClusters() {
    // 4 distinct unit vectors, each 4 times: distances exactly 0 within a group. Asked for 8
    // clusters, the maxclust cut cannot split the zero-height merges and keeps 4.
    float[][] tokens = new float[16][4];
    for (int i = 0; i < 16; i++) {
      tokens[i][(i * 7) % 4] = 1;
    }
    HierarchicalTokenPooler pooler = new HierarchicalTokenPooler(2, 0);
    int[] labels = pooler.clusterLabels(tokens);
    int[] byVector = new int[16];
    for (int i = 0; i < 16; i++) {
      byVector[i] = (i * 7) % 4;
    }
    assertArrayEquals(partition(byVector), partition(labels));
    float[][] pooled = pooler.pool(tokens);
    assertEquals(4, pooled.length);
    for (float[] mean : pooled) {
      assertEquals(1f, Math.max(Math.max(mean[0], mean[1]), Math.max(mean[2], mean[3])));
    }
  }

  @Test
  void protectedTokensUntouched() {
    float[][] tokens = randomTokens(new Random(3), 40, 8, true);
    float[][] pooled = new HierarchicalTokenPooler(4, 3).pool(tokens);
    assertEquals(3 + 37 / 4, pooled.length);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(tokens[i], pooled[i]);
      assertNotSame(tokens[i], pooled[i]);
    }
  }

  @Test
  void poolFactorOneReturnsACopy() {
    float[][] tokens = randomTokens(new Random(4), 30, 5, false);
    float[][] pooled = new HierarchicalTokenPooler(1, 0).pool(tokens);
    assertArrayEquals(tokens, pooled);
    assertNotSame(tokens, pooled);
    for (int i = 0; i < tokens.length; i++) {
      assertNotSame(tokens[i], pooled[i]);
    }
    pooled[0][0] += 1; // the copy is the caller's
    assertEquals(tokens[0][0] + 1, pooled[0][0]);
  }

  @Test
  void deterministic() {
    float[][] tokens = randomTokens(new Random(5), 300, 16, true);
    float[][] first = new HierarchicalTokenPooler(3, 1).pool(tokens);
    float[][] again = new HierarchicalTokenPooler(3, 1).pool(deepCopy(tokens));
    assertArrayEquals(first, again);
  }

  @Test
  void nothingToPool() {
    float[][] one = {{1, 2, 3}};
    float[][] two = {{1, 0}, {0, 1}};
    assertArrayEquals(one, new HierarchicalTokenPooler(2, 0).pool(one)); // 1 token: 1 cluster
    assertArrayEquals(two, new HierarchicalTokenPooler(2, 1).pool(two)); // 1 token after 1
    assertArrayEquals(two, new HierarchicalTokenPooler(4, 5).pool(two)); // all protected
    // 2 tokens are pooled into 1, whatever the pool factor.
    assertArrayEquals(
        new float[][] {{0.5f, 0.5f}}, new HierarchicalTokenPooler(9, 0).pool(two));
  }

  @Test
  void badArguments() {
    assertMessage("poolFactor", () -> new HierarchicalTokenPooler(0, 1));
    assertMessage("poolFactor", () -> new HierarchicalTokenPooler(-2, 1));
    assertMessage("protectedTokens", () -> new HierarchicalTokenPooler(2, -1));
  }

  @Test
  void badInput() {
    HierarchicalTokenPooler pooler = new HierarchicalTokenPooler(2, 1);
    assertMessage("null", () -> pooler.pool(null));
    assertMessage("empty", () -> pooler.pool(new float[0][]));
    assertMessage("token 1 is null", () -> pooler.pool(new float[][] {{1}, null}));
    assertMessage("token 0 has no dimensions", () -> pooler.pool(new float[][] {{}, {}}));
    assertMessage(
        "token 2 has dimension 1", () -> pooler.pool(new float[][] {{1, 0}, {0, 1}, {1}}));
    assertMessage(
        "non-finite value NaN", () -> pooler.pool(new float[][] {{1, 0}, {0, Float.NaN}}));
    assertMessage("non-finite value Infinity",
        () -> pooler.pool(new float[][] {{Float.POSITIVE_INFINITY, 0}, {0, 1}}));
    assertMessage("non-finite value -Infinity",
        () -> pooler.pool(new float[][] {{1, 0}, {0, 1}, {Float.NEGATIVE_INFINITY, 1}}));
    // Checked even when nothing would be pooled.
    assertMessage(
        "non-finite", () -> new HierarchicalTokenPooler(1, 0).pool(new float[][] {{Float.NaN}}));
    // More tokens to pool (the protected one aside) than the distances it may hold: refused
    // before allocating them.
    float[][] huge = new float[HierarchicalTokenPooler.MAX_TOKENS + 2][];
    Arrays.fill(huge, new float[] {1});
    assertMessage(
        "cannot pool " + (HierarchicalTokenPooler.MAX_TOKENS + 1) + " tokens", () -> pooler.pool(huge));
  }

  private static void assertMessage(String expected, Runnable runnable) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, runnable::run);
    assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\"");
  }

  // ---- helpers

  private static float[][] randomTokens(Random random, int count, int dim, boolean normalize) {
    float[][] tokens = new float[count][dim];
    for (float[] token : tokens) {
      double norm = 0;
      for (int k = 0; k < dim; k++) {
        token[k] = (float) random.nextGaussian();
        norm += token[k] * token[k];
      }
      // Unnormalised tokens get norms below 1, so that no cosine distance is clamped.
      double scale = normalize ? 1 / Math.sqrt(norm) : random.nextDouble() / Math.sqrt(norm);
      for (int k = 0; k < dim; k++) {
        token[k] = (float) (token[k] * scale);
      }
    }
    return tokens;
  }

  private static float[][] deepCopy(float[][] matrix) {
    float[][] copy = new float[matrix.length][];
    for (int i = 0; i < matrix.length; i++) {
      copy[i] = matrix[i].clone();
    }
    return copy;
  }

  /** Labels renumbered by first occurrence: equal arrays for equal partitions. */
  private static int[] partition(int[] labels) {
    Map<Integer, Integer> renumbered = new HashMap<>();
    int[] canonical = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      canonical[i] = renumbered.computeIfAbsent(labels[i], label -> renumbered.size());
    }
    return canonical;
  }

  private static int clusterCount(int[] labels) {
    return (int) Arrays.stream(labels).distinct().count();
  }

  /** Cluster means, by label, computed here independently of the pooler. */
  private static float[][] means(float[][] tokens, int from, int[] labels) {
    int clusters = Arrays.stream(labels).max().getAsInt();
    float[][] means = new float[clusters][];
    for (int c = 1; c <= clusters; c++) {
      int dim = tokens[0].length;
      double[] sum = new double[dim];
      int members = 0;
      for (int t = 0; t < labels.length; t++) {
        if (labels[t] == c) {
          members++;
          for (int k = 0; k < dim; k++) {
            sum[k] += tokens[from + t][k];
          }
        }
      }
      assertTrue(members > 0, "cluster " + c + " is empty");
      means[c - 1] = new float[dim];
      for (int k = 0; k < dim; k++) {
        means[c - 1][k] = (float) (sum[k] / members);
      }
    }
    return means;
  }

  /**
   * Ward clustering the slow, obvious way: start from singletons and merge the closest pair of
   * clusters (Lance-Williams distance) until {@code clusters} remain.
   */
  private static int[] naiveWard(float[][] tokens, int clusters) {
    int n = tokens.length;
    double[][] d = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double dot = 0;
        for (int k = 0; k < tokens[i].length; k++) {
          dot += (double) tokens[i][k] * tokens[j][k];
        }
        d[i][j] = Math.max(0, 1 - dot);
      }
    }
    int[] size = new int[n];
    Arrays.fill(size, 1);
    int[] label = new int[n];
    for (int i = 0; i < n; i++) {
      label[i] = i;
    }
    for (int remaining = n; remaining > clusters; remaining--) {
      int bestX = -1;
      int bestY = -1;
      for (int x = 0; x < n; x++) {
        for (int y = x + 1; y < n; y++) {
          if (size[x] > 0 && size[y] > 0 && (bestX < 0 || d[x][y] < d[bestX][bestY])) {
            bestX = x;
            bestY = y;
          }
        }
      }
      int x = bestX;
      int y = bestY;
      for (int i = 0; i < n; i++) {
        if (size[i] > 0 && i != x && i != y) {
          double total = size[x] + size[y] + size[i];
          double dist =
              Math.sqrt(
                  ((size[i] + size[x]) * d[x][i] * d[x][i]
                          + (size[i] + size[y]) * d[y][i] * d[y][i]
                          - size[i] * d[x][y] * d[x][y])
                      / total);
          d[y][i] = d[i][y] = dist;
        }
      }
      size[y] += size[x];
      size[x] = 0;
      for (int i = 0; i < n; i++) {
        if (label[i] == x) {
          label[i] = y;
        }
      }
    }
    return label;
  }
}
