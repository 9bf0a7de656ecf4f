/**
 * Late-interaction search: {@link dev.multivector.lucene.search.LateInteractionQuery} finds the top
 * k documents by MaxSim, exactly or through a first stage (token index, summary vectors, any
 * query); {@link dev.multivector.lucene.search.MaxSimValuesSource} scores every document; {@link
 * dev.multivector.lucene.search.MaxSimRescorer} re-ranks the hits of any first-pass query.
 */
package dev.multivector.lucene.search;
