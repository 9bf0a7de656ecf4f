package dev.multivector.opensearch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * A matrix of token vectors (a document's value, a query's vectors) as OpenSearch carries it: JSON
 * arrays of arrays of numbers, and the transport stream.
 */
final class TokenMatrix {

  private TokenMatrix() {}

  /**
   * Parses the array of arrays of numbers at the parser's current token, leaving the parser on its
   * closing bracket; {@code what} names it in errors.
   *
   * @throws IllegalArgumentException if it is not an array of arrays of numbers, or empty
   */
  static float[][] parse(XContentParser parser, String what) throws IOException {
    if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
      throw new IllegalArgumentException(what + " must be an array of token vectors (arrays of numbers), got " + parser.currentToken());
    }
    List<float[]> rows = new ArrayList<>();
    for (XContentParser.Token token = parser.nextToken(); token != XContentParser.Token.END_ARRAY; token = parser.nextToken()) {
      if (token != XContentParser.Token.START_ARRAY) {
        throw new IllegalArgumentException(
            what + " must be an array of token vectors (arrays of numbers); token vector " + rows.size() + " is a " + token);
      }
      float[] row = new float[16];
      int n = 0;
      for (token = parser.nextToken(); token != XContentParser.Token.END_ARRAY; token = parser.nextToken()) {
        if (token != XContentParser.Token.VALUE_NUMBER) {
          throw new IllegalArgumentException(what + ": token vector " + rows.size() + " holds a " + token + ", not a number");
        }
        if (n == row.length) {
          row = Arrays.copyOf(row, n * 2);
        }
        row[n++] = parser.floatValue();
      }
      rows.add(Arrays.copyOf(row, n));
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(what + " has no token vectors");
    }
    return rows.toArray(new float[0][]);
  }

  static void toXContent(XContentBuilder builder, String name, float[][] matrix) throws IOException {
    builder.startArray(name);
    for (float[] vector : matrix) {
      builder.value(vector);
    }
    builder.endArray();
  }

  static float[][] read(StreamInput in) throws IOException {
    float[][] matrix = new float[in.readVInt()][];
    for (int i = 0; i < matrix.length; i++) {
      matrix[i] = in.readFloatArray();
    }
    return matrix;
  }

  static void write(StreamOutput out, float[][] matrix) throws IOException {
    out.writeVInt(matrix.length);
    for (float[] vector : matrix) {
      out.writeFloatArray(vector);
    }
  }
}
