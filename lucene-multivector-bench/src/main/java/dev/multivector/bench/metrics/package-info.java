/** Retrieval metrics: nDCG@k, Hit@k, Recall@k against labels, and recall against exact top-k. */
package dev.multivector.bench.metrics;
