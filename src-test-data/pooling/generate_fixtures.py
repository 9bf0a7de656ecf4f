#!/usr/bin/env python3
"""Writes the hierarchical token pooling fixtures (see README.md in this folder).

The expected results are those of PyLate's pool_embeddings_hierarchical (cosine distances in
condensed form, scipy Ward linkage, fcluster maxclust, plain cluster means), computed in float64
from float32 inputs. Needs numpy and scipy only.

  python3 generate_fixtures.py                      # the built-in random cases
  python3 generate_fixtures.py --input doc.npy --name europarl-0007 \\
      [--pool-factors 2,3,4] [--protected 0,1]        # cases for a matrix of your own
"""

import argparse
import os
import struct
import sys

import numpy as np
import scipy
from scipy.cluster.hierarchy import fcluster, linkage

MAGIC = b"HTPF"
VERSION = 1


def gram(tokens):
    """E E^T in float64, each dot product summed in dimension order.

    The Java pooler sums in the same order, so both get the same doubles (products of two float32
    values are exact in float64; only the sums round)."""
    e = tokens.astype(np.float64)
    g = np.zeros((e.shape[0], e.shape[0]))
    for k in range(e.shape[1]):
        g += np.outer(e[:, k], e[:, k])
    return g


def partition(labels):
    """Labels renumbered by first occurrence: equal for equal partitions."""
    seen = {}
    return [seen.setdefault(label, len(seen)) for label in labels]


def reference(tokens, pool_factor, protected_tokens):
    """Returns (labels, pooled, clamped): labels is empty when nothing is pooled; clamped is the
    number of negative cosine distances set to 0 (scipy refuses a dendrogram with negative
    heights, so for clamped > 0 the result is the Java pooler's documented extension)."""
    if pool_factor <= 1:
        return np.zeros(0, np.int32), tokens.copy(), 0
    protected = tokens[:protected_tokens]
    to_pool = tokens[protected_tokens:]
    n = len(to_pool)
    clusters = max(n // pool_factor, 1)
    if clusters >= n:
        return np.zeros(0, np.int32), tokens.copy(), 0

    condensed = (1 - gram(to_pool))[np.triu_indices(n, k=1)]
    clamped = int(np.count_nonzero(condensed < 0))
    condensed = np.maximum(condensed, 0)
    labels = fcluster(linkage(condensed, method="ward"), t=clusters, criterion="maxclust")

    # Cluster means in float64, summed in token order like the Java pooler, by cluster number.
    k = int(labels.max())
    sums = np.zeros((k, tokens.shape[1]))
    counts = np.zeros(k, np.int64)
    for token, label in zip(to_pool.astype(np.float64), labels):
        sums[label - 1] += token
        counts[label - 1] += 1
    assert (counts > 0).all(), "fcluster numbers clusters 1..k"
    means = (sums / counts[:, None]).astype(np.float32)
    return labels.astype(np.int32), np.concatenate([protected, means]), clamped


def float32_pipeline_agrees(tokens, pool_factor, protected_tokens, labels):
    """Whether PyLate's own float32 arithmetic (distances from a float32 matrix product) gives the
    same partition; a diagnostic only. None when scipy refuses its negative distances."""
    to_pool = tokens[protected_tokens:]
    n = len(to_pool)
    condensed = (1 - to_pool @ to_pool.T)[np.triu_indices(n, k=1)]
    if (condensed < 0).any():
        return None
    ref = fcluster(linkage(condensed, method="ward"), t=max(n // pool_factor, 1),
                   criterion="maxclust")
    return partition(ref) == partition(labels)


def write_fixture(path, tokens, pool_factor, protected_tokens):
    tokens = np.ascontiguousarray(tokens, dtype=np.float32)
    labels, pooled, clamped = reference(tokens, pool_factor, protected_tokens)
    n, dim = tokens.shape
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<6i", VERSION, n, dim, pool_factor, protected_tokens, clamped))
        f.write(tokens.astype("<f4").tobytes())
        f.write(struct.pack("<i", len(labels)))
        f.write(labels.astype("<i4").tobytes())
        f.write(struct.pack("<i", len(pooled)))
        f.write(np.ascontiguousarray(pooled, dtype="<f4").tobytes())
    note = ""
    if len(labels):
        agrees = float32_pipeline_agrees(tokens, pool_factor, protected_tokens, labels)
        note = {None: "float32 pipeline: scipy refuses", True: "", False:
                "float32 pipeline: other partition"}[agrees]
    print(f"{os.path.basename(path)}: {n} x {dim} -> {len(pooled)} tokens"
          f"{', ' + str(clamped) + ' distances clamped' if clamped else ''}"
          f"{', ' + note if note else ''}")


def normalized(x):
    x = x.astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def builtin_cases():
    """(name, tokens, pool factors, protected counts); fixed seeds."""
    def gaussian(seed, n, dim):
        return np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)

    cases = []
    for seed, n, dim, factors, protected in [
        (1, 2, 16, [2], [0, 1]),
        (2, 3, 16, [2, 3, 4], [0, 1]),
        (3, 17, 48, [2, 3, 4], [0, 1]),
        (4, 128, 16, [2, 3, 4], [0, 1]),
        (5, 128, 128, [2], [1]),
        (6, 512, 16, [2, 3, 4], [1]),
        (7, 512, 48, [2], [0]),
        (8, 1024, 16, [3, 4], [0]),
        (9, 1024, 128, [2], [1]),
    ]:
        cases.append((f"random-n{n}-d{dim}", normalized(gaussian(seed, n, dim)), factors, protected))

    # Not unit length: norms spread over [0.2, 1], so every cosine distance is still >= 0.
    rng = np.random.default_rng(10)
    x = normalized(rng.standard_normal((100, 32), dtype=np.float32))
    x *= rng.uniform(0.2, 1.0, size=(100, 1)).astype(np.float32)
    cases.append(("unnormalized-n100-d32", x, [2, 3], [0, 1]))

    # Not unit length, norms up to 3: many dot products above 1, so distances are clamped.
    x = rng.standard_normal((60, 8), dtype=np.float32)
    cases.append(("large-norms-n60-d8", x, [2], [1]))

    # Exact ties: 64 tokens drawn from 24 distinct vectors with entries +-0.25 (unit length, dot
    # products exact multiples of 1/16), so many distances are exactly 0 or exactly equal.
    rng = np.random.default_rng(11)
    patterns = np.where(rng.random((24, 16)) < 0.5, -0.25, 0.25).astype(np.float32)
    x = patterns[rng.integers(0, 24, size=64)]
    cases.append(("ties-n64-d16", x, [2, 3, 4, 16], [0, 1]))

    # Duplicated unit tokens: rounding can make their dot product exceed 1 (clamped distances).
    rng = np.random.default_rng(12)
    x = normalized(rng.standard_normal((40, 48), dtype=np.float32))
    x = x[rng.integers(0, 40, size=80)]
    cases.append(("duplicates-n80-d48", x, [2, 4], [1]))
    return cases


def read_matrix(path):
    if path.endswith(".npy"):
        x = np.load(path)
    else:
        x = np.loadtxt(path, delimiter="," if path.endswith(".csv") else None, ndmin=2)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        sys.exit(f"{path}: expected a non-empty 2-D matrix, got shape {x.shape}")
    if not np.isfinite(x).all():
        sys.exit(f"{path}: has NaN or infinite values")
    return x


def int_list(text):
    return [int(v) for v in text.split(",")]


def main():
    if tuple(int(v) for v in scipy.__version__.split(".")[:2]) < (1, 15):
        # Before 1.15, fcluster's maxclust search never tried the lowest merge height and read
        # past its array for two observations (scipy issue 12651): wrong labels when 2 tokens
        # are pooled into 1.
        sys.exit(f"scipy {scipy.__version__} is too old: maxclust is wrong before 1.15")
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                        help="output folder (default: this script's folder)")
    parser.add_argument("--input", help="a token matrix: .npy, or text with one token a line")
    parser.add_argument("--name", help="fixture name prefix for --input (default: file name)")
    parser.add_argument("--pool-factors", type=int_list, default=[2, 3, 4])
    parser.add_argument("--protected", type=int_list, default=[1])
    args = parser.parse_args()
    if min(args.pool_factors) < 1 or min(args.protected) < 0:
        sys.exit("pool factors must be >= 1 and protected counts >= 0")

    if args.input:
        name = args.name or os.path.splitext(os.path.basename(args.input))[0]
        x = read_matrix(args.input)
        cases = [(f"{name}-n{x.shape[0]}-d{x.shape[1]}", x, args.pool_factors, args.protected)]
    else:
        cases = builtin_cases()
    for name, tokens, factors, protected in cases:
        for pool_factor in factors:
            for protected_tokens in protected:
                path = os.path.join(args.out, f"{name}-pf{pool_factor}-pt{protected_tokens}.bin")
                write_fixture(path, tokens, pool_factor, protected_tokens)


if __name__ == "__main__":
    main()
