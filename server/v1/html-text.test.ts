import { describe, expect, it } from 'vitest';
import { htmlText } from './html-text.ts';

const upper = (html: string) => {
  const doc = htmlText(html);
  return { texts: doc.texts, out: doc.rebuild(doc.texts.map((text) => text.toUpperCase())) };
};

describe('htmlText', () => {
  it('translates the text nodes and keeps tags, attributes and the whitespace around the text', () => {
    const { texts, out } = upper('<p class="intro" title="Hello">Hello <b>world</b>!</p>\n  <a href="/x?a=1&amp;b=2">go on</a>');
    expect(texts).toEqual(['Hello', 'world', 'go on']);
    expect(out).toBe('<p class="intro" title="Hello">HELLO <b>WORLD</b>!</p>\n  <a href="/x?a=1&amp;b=2">GO ON</a>');
  });

  it('never translates inside <script> or <style>, even what looks like tags or text there', () => {
    const html = '<style>p { content: "a > b"; }</style><script type="module">if (a < b) x("<b>hi</b>");</script><p>Text</p><SCRIPT>var t = "x";</SCRIPT>';
    const { texts, out } = upper(html);
    expect(texts).toEqual(['Text']);
    expect(out).toBe(html.replace('Text', 'TEXT'));
  });

  it('copies comments, doctypes and a quoted > inside an attribute', () => {
    const html = '<!DOCTYPE html><!-- a <b>comment</b> --><img alt="a > b" src="x.png"><p data-x=\'1>2\'>ok</p>';
    const { texts, out } = upper(html);
    expect(texts).toEqual(['ok']);
    expect(out).toBe(html.replace('>ok<', '>OK<'));
  });

  it('decodes entities for the model and writes them back as entities', () => {
    const doc = htmlText('<p>Fish &amp; chips&nbsp;&lt;3 &#233;t&#xE9; &eacute;</p>');
    expect(doc.texts).toEqual(['Fish & chips\u00a0<3 été &eacute;']);
    expect(doc.rebuild(['Fisch & Pommes\u00a0<3 &eacute; > x'])).toBe('<p>Fisch &amp; Pommes&nbsp;&lt;3 &eacute; &gt; x</p>');
  });

  it('leaves nodes of whitespace, punctuation or entities alone, and plain text is one node', () => {
    expect(upper('<td> </td><td>&nbsp;</td><td>–</td>').texts).toEqual([]);
    expect(upper('just text').out).toBe('JUST TEXT');
    expect(upper('').texts).toEqual([]);
  });

  it('copies broken markup rather than failing: an unclosed tag, a stray <', () => {
    const { out } = upper('a < b and <b unclosed');
    expect(out).toBe('A &lt; B AND <b unclosed');
  });
});
