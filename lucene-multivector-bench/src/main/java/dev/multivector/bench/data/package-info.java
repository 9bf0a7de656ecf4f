/**
 * Benchmark data sets as plain objects: judged text collections ({@link
 * dev.multivector.bench.data.Cranfield}, {@link dev.multivector.bench.data.Beir#dbpedia5k()}),
 * a needle-in-a-haystack set over real Europarl text ({@link
 * dev.multivector.bench.data.NeedleHaystack}), and seeded synthetic token matrices ({@link
 * dev.multivector.bench.data.SyntheticMultiVectors}). Text sets become token matrices through
 * {@link dev.multivector.bench.encoder.EncodingCache#encode}.
 */
package dev.multivector.bench.data;
