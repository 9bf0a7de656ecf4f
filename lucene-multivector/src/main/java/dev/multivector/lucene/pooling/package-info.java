/**
 * Index-time compaction of a document's token vectors: hierarchical token pooling, which merges
 * similar tokens so that the index stores fewer.
 */
package dev.multivector.lucene.pooling;
