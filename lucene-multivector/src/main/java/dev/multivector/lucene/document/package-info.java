/**
 * The multi-vector field a user adds to a Lucene document ({@link
 * dev.multivector.lucene.document.MultiVectorField}), its configuration, and the summary vector
 * (one vector per document) it indexes beside the token matrix.
 */
package dev.multivector.lucene.document;
