/**
 * Bad input quoted in an error message. Input that fails to parse is often not text at all (a
 * binary file read as CSV, an Avro payload read as JSON), and quoting it raw puts control bytes,
 * replacement characters and kilobytes into a terminal or a log line. An excerpt is one line:
 * quoted, with control characters, invalid UTF-8 and lone surrogates escaped, and cut at a length
 * cap with the size of the whole input after it.
 */

/** The default cap, in characters of the rendered excerpt (quotes and escapes included). */
export const EXCERPT_MAX = 120;

/**
 * `input` rendered for an error message: a quoted string with `\n`, `\t`, `\xNN` (control
 * characters, and bytes that are not UTF-8 when `input` is bytes), `\ufffd` (replacement
 * characters left by an earlier decoding) and `\uXXXX` (lone surrogates) escaped; cut after `max`
 * characters with the size of the whole input after it: `… (N bytes)` for bytes, `… (N characters)`
 * for text.
 *
 * @example
 * inputExcerpt('12\u0000x');                  // '"12\\x00x"'
 * inputExcerpt(Buffer.from([0x31, 0xff]));    // '"1\\xff"'
 * inputExcerpt('a'.repeat(1000));             // '"aaaa…aaa"… (1000 characters)'
 */
export function inputExcerpt(input: string | Uint8Array, max = EXCERPT_MAX): string {
  const size = typeof input === 'string' ? `${input.length} characters` : `${input.byteLength} bytes`;
  let out = '"';
  let cut = false;
  const budget = Math.max(8, max - 2);
  const push = (piece: string): boolean => {
    if (out.length + piece.length > budget) {
      cut = true;
      return false;
    }
    out += piece;
    return true;
  };
  if (typeof input === 'string') {
    for (const ch of input) if (!push(escapeChar(ch))) break;
  } else {
    for (const piece of utf8Pieces(input)) if (!push(piece)) break;
  }
  out += '"';
  return cut ? `${out}… (${size})` : out;
}

/**
 * A message that may quote input (a parser's own message, a user deserializer's), made safe for
 * one line: control characters and replacement characters escaped, and cut at `max` characters.
 */
export function escapeMessage(message: string, max = 2 * EXCERPT_MAX): string {
  let out = '';
  for (const ch of message) {
    const piece = ch === '\n' ? ' ' : ch === '"' || ch === '\\' ? ch : escapeChar(ch);
    if (out.length + piece.length > max) return `${out}… (${message.length} characters)`;
    out += piece;
  }
  return out;
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return `\\x${hex(code, 2)}`;
  if (code === 0xfffd || (code >= 0xd800 && code <= 0xdfff)) return `\\u${hex(code, 4)}`;
  return ch;
}

/** The bytes as escaped pieces: one per character of valid UTF-8, `\xNN` per invalid byte. */
function* utf8Pieces(bytes: Uint8Array): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length > 0 && i + length <= bytes.length) {
      try {
        const ch = decoder.decode(bytes.subarray(i, i + length));
        yield escapeChar(ch);
        i += length;
        continue;
      } catch {
        // Not a valid sequence: the lead byte is escaped on its own below.
      }
    }
    yield `\\x${hex(b, 2)}`;
    i++;
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
