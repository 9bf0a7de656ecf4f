package dev.multivector.bench.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the benchmark finds the project, the shared data sets and its cache.
 *
 * <p>Each location can be set by a system property; otherwise it is found from the working
 * directory (the project root or any folder below it, such as the bench module under Maven):
 *
 * <ul>
 *   <li>{@code multivector.root}: the project root, the folder holding {@code
 *       lucene-multivector-bench/};
 *   <li>{@code multivector.datasets.dir}: the judged data sets, by default {@code
 *       <root>/../shared/datasets} (they are read there, never copied into the project);
 *   <li>{@code multivector.cache.dir}: the cache of encoded matrices, by default {@code
 *       <root>/.cache} (git-ignored).
 * </ul>
 */
public final class ProjectPaths {
  private ProjectPaths() {}

  /** The project root. */
  public static Path projectRoot() {
    String set = System.getProperty("multivector.root");
    if (set != null) {
      return Path.of(set).toAbsolutePath().normalize();
    }
    Path start = Path.of("").toAbsolutePath().normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("lucene-multivector-bench").resolve("pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no project root (a folder with lucene-multivector-bench/pom.xml) at or above "
            + start
            + "; set -Dmultivector.root");
  }

  /** The folder of the judged data sets ({@code cranfield/}, {@code dbpedia-5k/}). */
  public static Path datasetsDir() {
    String set = System.getProperty("multivector.datasets.dir");
    if (set != null) {
      return Path.of(set).toAbsolutePath().normalize();
    }
    return projectRoot().resolveSibling("shared").resolve("datasets");
  }

  /** The folder for cached data (encoded matrices); it may not exist yet. */
  public static Path cacheDir() {
    String set = System.getProperty("multivector.cache.dir");
    if (set != null) {
      return Path.of(set).toAbsolutePath().normalize();
    }
    return projectRoot().resolve(".cache");
  }
}
