package dev.multivector.bench.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void notATerminalPrintsAFinalLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressBar bar =
        new ProgressBar("encoding", 10, "docs", false, new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
      bar.advance(4);
      bar.advance(6);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(1, out.lines().count(), out); // no in-place redraws off a terminal
    assertTrue(out.startsWith("encoding: 10 docs in "), out);
  }
}
