import { InvalidFilterError } from '../errors.js';

export type Token =
  | { readonly type: '(' | ')' | '[' | ']'; readonly at: number }
  | { readonly type: 'string'; readonly value: string; readonly at: number }
  | { readonly type: 'number'; readonly value: number; readonly at: number }
  /** Attribute paths, operators, keywords and true/false/null; `.value` after `]` is a word too. */
  | { readonly type: 'word'; readonly value: string; readonly at: number };

const PUNCTUATION = new Set(['(', ')', '[', ']']);
const WHITESPACE = /\s/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Splits a filter (RFC 7644 §3.4.2.2 ABNF) into tokens. Throws InvalidFilterError. */
export function lexFilter(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    // Every character the word scanner below stops at must be consumed here: skipping only
    // SP/HT/CR/LF made a no-break space or form feed produce empty words forever (a hang).
    if (WHITESPACE.test(ch)) {
      i++;
    } else if (PUNCTUATION.has(ch)) {
      tokens.push({ type: ch as '(' | ')' | '[' | ']', at: i });
      i++;
    } else if (ch === '"') {
      const end = endOfString(text, i);
      let value: string;
      try {
        value = JSON.parse(text.slice(i, end)) as string;
      } catch {
        throw new InvalidFilterError(`Invalid string literal at position ${i + 1}`);
      }
      tokens.push({ type: 'string', value, at: i });
      i = end;
    } else {
      let end = i;
      while (end < text.length && !/[\s()[\]"]/.test(text[end]!)) end++;
      const word = text.slice(i, end);
      if (NUMBER.test(word)) tokens.push({ type: 'number', value: finiteNumber(word, i), at: i });
      else tokens.push({ type: 'word', value: word, at: i });
      i = end;
    }
  }
  return tokens;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  throw new InvalidFilterError(`Unterminated string starting at position ${start + 1}`);
}

/** `1e999` is valid JSON but parses to Infinity, which no attribute holds and JSON cannot print. */
function finiteNumber(word: string, at: number): number {
  const value = Number(word);
  if (!Number.isFinite(value)) throw new InvalidFilterError(`Number out of range at position ${at + 1}`);
  return value;
}
