/**
 * Internal: the MaxSim kernels and the provider that chooses them once per JVM, as Lucene's own
 * vectorization provider does. Not an API: these classes are public only for the codec, the
 * benchmarks and the tests, and change without notice.
 *
 * @lucene.internal
 */
package dev.multivector.lucene.internal.vectorization;
