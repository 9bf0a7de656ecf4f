/**
 * {@link dev.multivector.lucene.codec.MultiVector104Codec}: Lucene's default codec with multi-vector
 * fields stored in a SIMD-friendly panel layout, and {@link
 * dev.multivector.lucene.codec.MultiVectorValues}, the per-segment view that MaxSim reads.
 */
package dev.multivector.lucene.codec;
