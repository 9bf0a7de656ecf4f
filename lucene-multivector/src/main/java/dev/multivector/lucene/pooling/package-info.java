/** Index-time compaction of a document's token vectors, such as hierarchical token pooling. */
package dev.multivector.lucene.pooling;
