import { InvalidFilterError } from '../errors.js';

export type Token =
  | { readonly type: '(' | ')' | '[' | ']'; readonly at: number }
  | { readonly type: 'string'; readonly value: string; readonly at: number }
  | { readonly type: 'number'; readonly value: number; readonly at: number }
  /** Attribute paths, operators, keywords and true/false/null; `.value` after `]` is a word too. */
  | { readonly type: 'word'; readonly value: string; readonly at: number };

const PUNCTUATION = new Set(['(', ')', '[', ']']);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Splits a filter (RFC 7644 §3.4.2.2 ABNF) into tokens. Throws InvalidFilterError. */
export function lexFilter(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
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
      if (NUMBER.test(word)) tokens.push({ type: 'number', value: Number(word), at: i });
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
