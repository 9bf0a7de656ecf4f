# Writes the --vectors fixtures of PrecomputedVectorsTest with numpy (run here: python3 make-vector-fixtures.py).
# A tiny judged collection: 5 documents and 2 queries of dimension 8; token t of matrix i has the
# value base + i + t/10 + j/100 in dimension j, so a reader can check every value.
import os

import numpy as np


def matrices(n, base, lengths):
    return [np.array([[base + i + t / 10 + j / 100 for j in range(8)] for t in range(lengths[i])], dtype=np.float32)
            for i in range(n)]


def save(folder, prefix, ids, embs, dtype, otype):
    os.makedirs(folder, exist_ok=True)
    np.save(f"{folder}/{prefix}.npy", np.concatenate(embs).astype(dtype))
    np.save(f"{folder}/{prefix}_offsets.npy", np.cumsum([0] + [len(e) for e in embs]).astype(otype))
    with open(f"{folder}/{prefix}_ids.txt", "w") as f:
        f.write("\n".join(ids) + "\n")


docs = matrices(5, 0, [3, 1, 4, 2, 5])
queries = matrices(2, 10, [2, 3])
for folder, dtype, otype in [("vectors-f32", np.float32, np.int64), ("vectors-f16", np.float16, np.int32)]:
    save(folder, "documents", [f"d{i}" for i in range(5)], docs, dtype, otype)
    save(folder, "queries", ["q0", "q1"], queries, dtype, otype)
    with open(f"{folder}/qrels.tsv", "w") as f:
        f.write("query-id\tcorpus-id\tscore\nq0\td2\t1\nq0\td4\t2\nq1\td1\t1\n")
# Files a reader must refuse
np.save("queries-dim6.npy", np.zeros((5, 6), dtype=np.float32))
np.save("documents-fortran.npy", np.asfortranarray(np.zeros((15, 8), dtype=np.float32)))
np.save("documents-float64.npy", np.zeros((15, 8), dtype=np.float64))
