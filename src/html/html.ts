/**
 * HTML built by tagged templates that escape every interpolated value unless it is already Html:
 * a page cannot carry markup from data (a userName, an IdP's error detail) by accident.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** What a template may interpolate: text (escaped), Html (kept), lists of either, or nothing. */
export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

function render(value: Fragment): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written by this program, never by data. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** `name="value"` pairs for attributes that are present or absent (checked, selected, disabled). */
export function flag(name: string, on: boolean): Html {
  return new Html(on ? ` ${name}` : '');
}
