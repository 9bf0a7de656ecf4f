/**
 * {@link dev.multivector.lucene.codec.MultiVector104Codec}: Lucene's codec with multi-vector fields
 * stored for MaxSim ({@link dev.multivector.lucene.codec.MultiVectorDocValuesFormat}), their token
 * indexes ({@link dev.multivector.lucene.codec.TokenIndexFormat}, {@link
 * dev.multivector.lucene.codec.HnswTokenIndexFormat}, {@link
 * dev.multivector.lucene.codec.CentroidTokenIndexFormat}) and summary vectors ({@link
 * dev.multivector.lucene.codec.MultiVectorKnnVectorsFormat}); and {@link
 * dev.multivector.lucene.codec.MultiVectorValues}, the per-segment values that search reads.
 */
package dev.multivector.lucene.codec;
