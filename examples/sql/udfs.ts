/**
 * The TypeScript functions of examples/sql/auction-words.sql: a table function that splits text
 * into words, and an aggregate function that keeps the longest string of a group.
 */
import { aggregateFunction, tableFunction } from 'weir';

/** Each word of a text with its position in it (from 1): `LATERAL TABLE(split_words(s))`. */
export const splitWords = tableFunction({
  returns: 'ROW<word STRING, pos INT>',
  *eval(text: string | null) {
    if (text === null) return;
    let pos = 0;
    for (const word of text.split(' ')) if (word.length > 0) yield { word: word.toLowerCase(), pos: ++pos };
  },
});

/** The longest string of a group (the first of equal lengths); NULL for none. */
export const longest = aggregateFunction({
  returns: 'STRING',
  createAccumulator: () => ({ value: null as string | null }),
  accumulate(acc, s: string | null) {
    if (s !== null && (acc.value === null || s.length > acc.value.length)) acc.value = s;
  },
  merge(acc, others) {
    for (const o of others)
      if (o.value !== null && (acc.value === null || o.value.length > acc.value.length)) acc.value = o.value;
  },
  getValue: (acc) => acc.value,
});
