/**
 * A real token encoder (bge-small-en-v1.5 or all-MiniLM-L6-v2 on onnxruntime, offline) giving
 * one L2-normalised vector per token, and an on-disk cache of its output. The models are not
 * ColBERT-trained: every report of results must carry {@link
 * dev.multivector.bench.encoder.TokenEncoder#CAVEAT}.
 */
package dev.multivector.bench.encoder;
