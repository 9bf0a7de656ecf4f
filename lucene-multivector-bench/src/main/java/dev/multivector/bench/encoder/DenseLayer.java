package dev.multivector.bench.encoder;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A sentence-transformers {@code Dense} module, as PyLate saves its projection to the token
 * dimension: {@code config.json} ({@code in_features}, {@code out_features}, {@code bias}, {@code
 * activation_function}) and {@code model.safetensors} ({@code linear.weight}, [out, in], and
 * {@code linear.bias}, [out], in float32, float16 or bfloat16).
 *
 * <p>safetensors: an 8-byte little-endian header length, a JSON header naming each tensor's
 * {@code dtype}, {@code shape} and {@code data_offsets} (from the end of the header), then the
 * data, little-endian.
 */
final class DenseLayer {
  private final float[][] weight; // [out][in]
  private final float[] bias; // null without
  private final boolean tanh;

  private DenseLayer(float[][] weight, float[] bias, boolean tanh) {
    this.weight = weight;
    this.bias = bias;
    this.tanh = tanh;
  }

  /** A layer from its weights; for tests. */
  static DenseLayer of(float[][] weight) {
    return new DenseLayer(weight, null, false);
  }

  /** Reads the module in {@code dir}. */
  static DenseLayer read(Path dir) throws IOException {
    JsonObject config = ColbertExport.json(dir.resolve("config.json")).getAsJsonObject();
    int in = config.get("in_features").getAsInt();
    int out = config.get("out_features").getAsInt();
    boolean hasBias = config.has("bias") && config.get("bias").getAsBoolean();
    String activation =
        config.has("activation_function") ? config.get("activation_function").getAsString() : "torch.nn.modules.linear.Identity";
    boolean tanh;
    if (activation.endsWith(".Identity")) {
      tanh = false;
    } else if (activation.endsWith(".Tanh")) {
      tanh = true;
    } else {
      throw new IllegalArgumentException(dir.resolve("config.json") + ": activation_function " + activation + " is not supported (Identity, Tanh)");
    }
    Path file = dir.resolve("model.safetensors");
    if (Files.exists(file) == false) {
      throw new IllegalArgumentException(
          file + ": missing (a Dense module saved as pytorch_model.bin is not read: save it with safetensors)");
    }
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buffer.getLong();
    if (headerLength <= 0 || 8 + headerLength > bytes.length) {
      throw new IllegalArgumentException(file + ": not a safetensors file");
    }
    JsonObject header =
        JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
    int dataStart = 8 + (int) headerLength;
    float[] flatWeight = tensor(header, "linear.weight", new int[] {out, in}, buffer, dataStart, file);
    float[][] weight = new float[out][in];
    for (int o = 0; o < out; o++) {
      System.arraycopy(flatWeight, o * in, weight[o], 0, in);
    }
    float[] bias = hasBias ? tensor(header, "linear.bias", new int[] {out}, buffer, dataStart, file) : null;
    return new DenseLayer(weight, bias, tanh);
  }

  private static float[] tensor(JsonObject header, String name, int[] shape, ByteBuffer data, int dataStart, Path file) {
    JsonElement element = header.get(name);
    if (element == null) {
      throw new IllegalArgumentException(file + ": no tensor " + name);
    }
    JsonObject tensor = element.getAsJsonObject();
    int[] actual = new int[tensor.getAsJsonArray("shape").size()];
    for (int i = 0; i < actual.length; i++) {
      actual[i] = tensor.getAsJsonArray("shape").get(i).getAsInt();
    }
    if (Arrays.equals(actual, shape) == false) {
      throw new IllegalArgumentException(
          file + ": " + name + " has shape " + Arrays.toString(actual) + ", config.json says " + Arrays.toString(shape));
    }
    String dtype = tensor.get("dtype").getAsString();
    int count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    int bytesPer =
        switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          default -> throw new IllegalArgumentException(file + ": " + name + " is " + dtype + ", expected F32, F16 or BF16");
        };
    long start = dataStart + tensor.getAsJsonArray("data_offsets").get(0).getAsLong();
    long end = dataStart + tensor.getAsJsonArray("data_offsets").get(1).getAsLong();
    if (end - start != (long) count * bytesPer || end > data.limit()) {
      throw new IllegalArgumentException(file + ": " + name + " is truncated");
    }
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      int at = (int) start + i * bytesPer;
      values[i] =
          switch (dtype) {
            case "F32" -> data.getFloat(at);
            case "F16" -> Float.float16ToFloat(data.getShort(at));
            default -> Float.intBitsToFloat((data.getShort(at) & 0xFFFF) << 16); // BF16: the top half of a float32
          };
    }
    return values;
  }

  int inputs() {
    return weight[0].length;
  }

  int outputs() {
    return weight.length;
  }

  /** {@code activation(weight x + bias)}. */
  float[] apply(float[] x) {
    float[] y = new float[weight.length];
    for (int o = 0; o < weight.length; o++) {
      float[] row = weight[o];
      double sum = bias == null ? 0 : bias[o];
      for (int i = 0; i < row.length; i++) {
        sum += row[i] * x[i];
      }
      y[o] = (float) (tanh ? Math.tanh(sum) : sum);
    }
    return y;
  }
}
