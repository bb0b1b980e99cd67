package dev.weir.flinkref;

import java.nio.charset.StandardCharsets;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code count_char(s, c)}, the user-defined function of Nexmark q14: how many bytes of the UTF-8
 * encoding of {@code s} equal the first byte of the UTF-8 encoding of {@code c}. For an ASCII
 * {@code c} (q14 passes {@code 'c'}) that is the number of occurrences of the character. A NULL
 * {@code s} counts 0, and so does a NULL or empty {@code c}. The result is never NULL (BIGINT).
 *
 * <p>Written for Weir's Flink reference run; Weir implements the same semantics (see
 * test/sql/nexmark/README.md).
 */
public class CountChar extends ScalarFunction {

  public long eval(String s, String c) {
    if (s == null || c == null || c.isEmpty()) {
      return 0L;
    }
    byte target = c.getBytes(StandardCharsets.UTF_8)[0];
    long count = 0;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      if (b == target) {
        count++;
      }
    }
    return count;
  }
}
