import { describe, expect, it } from 'vitest';
import { escapeHtml, flag, html, trusted } from './html.js';
import { plainPage } from './plain-page.js';

describe('html templates', () => {
  it('escape every interpolated value, in text and in attributes', () => {
    const name = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
    expect(escapeHtml('a<b')).toBe('a&lt;b');
  });

  it('keep Html as it is, render lists, and leave out null, undefined and false', () => {
    const items = ['<a>', 'b'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>0',
    );
    expect(html`${trusted('<br>')}`.text).toBe('<br>');
    expect(html`<input${flag('checked', true)}${flag('disabled', false)}>`.text).toBe('<input checked>');
  });
});

describe('plain pages', () => {
  it('escape the title and the body, and load nothing from outside', () => {
    const page = plainPage('<Title>', html`<p>${'<b>bold</b>'}</p>`).text;
    expect(page).toContain('<title>&lt;Title&gt;</title>');
    expect(page).toContain('<p>&lt;b&gt;bold&lt;/b&gt;</p>');
    expect(page).not.toMatch(/<script|<link|src=/);
    expect(page.startsWith('<!doctype html>')).toBe(true);
  });
});
