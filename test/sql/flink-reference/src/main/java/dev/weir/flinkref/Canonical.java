package dev.weir.flinkref;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * The canonical form of a query result, the one Weir's conformance test produces too (defined in
 * test/sql/nexmark/README.md): the changelog applied to a multiset of rows, each row one JSON array
 * on one line, the lines sorted by their UTF-8 bytes, each ended by a newline.
 */
final class Canonical {

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd");

  private Canonical() {}

  /**
   * A result changelog applied to a multiset of canonical lines: +I and +U add a row, -U and -D
   * remove one copy of it. A stream with +U but no -U at all is an upsert stream, which a multiset
   * cannot apply; when the query's upsert key is known it is applied by key instead (+I and +U
   * replace the row of their key, -D removes it).
   */
  static final class Result {
    private final Map<String, Integer> counts = new HashMap<>();
    private final int[] upsertKey;
    private final Map<String, String> upserts = new HashMap<>();
    private String retractError;
    final long[] kinds = new long[4]; // messages seen per RowKind: +I, -U, +U, -D

    /** @param upsertKey the columns of the query's upsert key, or null when it has none known */
    Result(int[] upsertKey) {
      this.upsertKey = upsertKey;
    }

    void apply(Row row) {
      String line = line(row);
      RowKind kind = row.getKind();
      kinds[kind.ordinal()]++;
      boolean adds = kind == RowKind.INSERT || kind == RowKind.UPDATE_AFTER;
      if (upsertKey != null) {
        String key = key(row);
        if (adds) {
          upserts.put(key, line);
        } else if (kind == RowKind.DELETE) {
          upserts.remove(key);
        }
      }
      if (adds) {
        counts.merge(line, 1, Integer::sum);
        return;
      }
      Integer n = counts.get(line);
      if (n == null) {
        if (retractError == null) {
          retractError = kind.shortString() + " of a row not in the result: " + line;
        }
      } else if (n == 1) {
        counts.remove(line);
      } else {
        counts.put(line, n - 1);
      }
    }

    /** {@code insert-only} (+I only), {@code upsert} (+U without -U) or {@code retract}. */
    String mode() {
      if (kinds[1] == 0 && kinds[2] == 0 && kinds[3] == 0) {
        return "insert-only";
      }
      return isUpsertStream() ? "upsert" : "retract";
    }

    /** Whether the changelog had +U messages and no -U: an upsert stream. */
    boolean isUpsertStream() {
      return kinds[RowKind.UPDATE_AFTER.ordinal()] > 0
          && kinds[RowKind.UPDATE_BEFORE.ordinal()] == 0;
    }

    /** The final rows as lines, sorted by their UTF-8 bytes, one entry per copy. */
    List<String> sortedLines() {
      List<byte[]> bytes = new ArrayList<>();
      if (isUpsertStream()) {
        if (upsertKey == null) {
          throw new IllegalStateException(
              "the result is an upsert stream (+U without -U) and its upsert key is not known");
        }
        for (String line : upserts.values()) {
          bytes.add(line.getBytes(StandardCharsets.UTF_8));
        }
      } else {
        if (retractError != null) {
          throw new IllegalStateException(retractError);
        }
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
          byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
          for (int i = 0; i < e.getValue(); i++) {
            bytes.add(b);
          }
        }
      }
      bytes.sort(Arrays::compareUnsigned);
      List<String> out = new ArrayList<>(bytes.size());
      for (byte[] b : bytes) {
        out.add(new String(b, StandardCharsets.UTF_8));
      }
      return out;
    }

    private String key(Row row) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < upsertKey.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        value(sb, row.getField(upsertKey[i]));
      }
      return sb.append(']').toString();
    }
  }

  /** The canonical text: every line followed by a newline. */
  static String text(List<String> lines) {
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      sb.append(line).append('\n');
    }
    return sb.toString();
  }

  /** One row as a JSON array of its canonical values, without spaces. */
  static String line(Row row) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < row.getArity(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      value(sb, row.getField(i));
    }
    return sb.append(']').toString();
  }

  /** Appends the canonical JSON of one column value. */
  static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean
        || v instanceof Byte
        || v instanceof Short
        || v instanceof Integer
        || v instanceof Long) {
      sb.append(v);
    } else if (v instanceof BigDecimal d) {
      sb.append(decimal(d));
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        // Not representable as a JSON number: written as Java's name of the value, a string.
        string(sb, Double.toString(d));
      } else {
        sb.append(decimal(new BigDecimal(d)));
      }
    } else if (v instanceof LocalDateTime t) {
      string(sb, TIMESTAMP.format(t));
    } else if (v instanceof Instant t) {
      string(sb, TIMESTAMP.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC)));
    } else if (v instanceof LocalDate d) {
      string(sb, DATE.format(d));
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof Row r) {
      sb.append(line(r));
    } else {
      throw new IllegalArgumentException(
          "no canonical form for a value of class " + v.getClass().getName() + ": " + v);
    }
  }

  /** Rounded half-up to 6 decimal places, trailing zeros removed, never in exponent notation. */
  static String decimal(BigDecimal d) {
    return d.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }

  /** A JSON string literal escaped exactly as JavaScript's JSON.stringify escapes it. */
  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          boolean lone =
              Character.isHighSurrogate(c)
                  ? !(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                  : Character.isLowSurrogate(c)
                      && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
          if (c < 0x20 || lone) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** A JSON string literal (for the manifest). */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    string(sb, s);
    return sb.toString();
  }
}
