import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXCERPT_MAX, escapeMessage, inputExcerpt } from './input-excerpt.ts';

describe('inputExcerpt', () => {
  it('quotes short text as it is', () => {
    assert.equal(inputExcerpt('12.5x'), '"12.5x"');
  });

  it('escapes control characters, replacement characters and lone surrogates', () => {
    assert.equal(
      inputExcerpt('a\u0000b\tc\u001b\u007f\ufffd\ud800'),
      '"a\\x00b\\tc\\x1b\\x7f\\ufffd\\ud800"',
    );
  });

  it('escapes bytes that are not UTF-8 and keeps the characters that are', () => {
    assert.equal(inputExcerpt(Buffer.from([0x31, 0xff, 0xc3, 0xa9, 0xe2, 0x28])), '"1\\xffé\\xe2("');
  });

  it('cuts long input at the cap and says how long it was', () => {
    const text = inputExcerpt(Buffer.alloc(1200, 0x01));
    assert.ok(text.length <= EXCERPT_MAX + 20, text);
    assert.match(text, /^"(\\x01)+"… \(1200 bytes\)$/);
  });
});

describe('escapeMessage', () => {
  it('keeps a message on one line, escaped and capped', () => {
    assert.equal(escapeMessage('bad\ntoken "\u0002"'), 'bad token "\\x02"');
    assert.match(escapeMessage('x'.repeat(1000)), /^x+… \(1000 characters\)$/);
  });
});
