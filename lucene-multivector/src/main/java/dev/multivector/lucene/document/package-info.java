/** The multi-vector field a user adds to a Lucene document, and its configuration. */
package dev.multivector.lucene.document;
