/**
 * Late-interaction search: {@link dev.multivector.lucene.search.LateInteractionQuery} ranks
 * documents by exact MaxSim, and {@link dev.multivector.lucene.search.MultiVectorRescorer}
 * re-ranks the hits of any first-pass query by it.
 */
package dev.multivector.lucene.search;
