/**
 * MaxSim kernels over the panel layout of {@link dev.multivector.lucene.codec.MultiVectorValues}:
 * {@link dev.multivector.lucene.simd.MaxSim} runs a Panama (jdk.incubator.vector) kernel when the
 * module is present and a plain-Java kernel otherwise.
 */
package dev.multivector.lucene.simd;
