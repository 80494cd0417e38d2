/**
 * LibreTranslate's `format: "html"`: the text between the tags is translated, the markup is kept as it is.
 * A small tokenizer, not a parser: comments, doctypes and tags (attributes included, quoted `>` too) are
 * copied; the content of <script> and <style> is never translated; entities are decoded for the model and
 * written back as entities. Pure.
 */

type Part = { markup: string } | { text: string; before: string; after: string };

export interface HtmlText {
  /** The text nodes to translate, decoded, without the whitespace around them. */
  texts: string[];
  /** The document with `translations[i]` in place of `texts[i]`. */
  rebuild(translations: readonly string[]): string;
}

// A tag: `<` a name or `/`, then anything but `>` outside quotes. Also comments, doctypes and processing instructions.
const markupPattern = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<\/?[A-Za-z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>?/g;
const rawTextElements = new Set(['script', 'style']);

const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (entity, name: string) => {
    if (name[0] !== '#') return named[name.toLowerCase()] ?? entity;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/** Escapes what would otherwise read as markup; an `&` that already starts an entity is left alone. */
function encodeText(text: string): string {
  return text
    .replace(/&(?!(?:#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);)/gi, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\u00a0/g, '&nbsp;');
}

function textPart(raw: string): Part {
  const [, before = '', core = '', after = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(raw)!;
  // Only whitespace, punctuation or entities: nothing for the model.
  if (!/[\p{L}\p{N}]/u.test(decodeEntities(core))) return { markup: raw };
  return { text: decodeEntities(core), before, after };
}

function tokenize(html: string): Part[] {
  const parts: Part[] = [];
  const pattern = new RegExp(markupPattern);
  let at = 0;
  for (let match = pattern.exec(html); match; match = pattern.exec(html)) {
    if (match.index > at) parts.push(textPart(html.slice(at, match.index)));
    const tag = match[0];
    parts.push({ markup: tag });
    at = match.index + tag.length;
    const opened = /^<([A-Za-z]+)/.exec(tag)?.[1]?.toLowerCase();
    if (opened && rawTextElements.has(opened) && !tag.endsWith('/>')) {
      // Up to the closing tag, all of it is script or style, however much it looks like markup or text.
      const close = html.slice(at).search(new RegExp(`</${opened}\\b`, 'i'));
      const end = close === -1 ? html.length : at + close;
      if (end > at) parts.push({ markup: html.slice(at, end) });
      at = end;
      pattern.lastIndex = end;
    }
  }
  if (at < html.length) parts.push(textPart(html.slice(at)));
  return parts;
}

export function htmlText(html: string): HtmlText {
  const parts = tokenize(html);
  const texts = parts.flatMap((part) => ('text' in part ? [part.text] : []));
  return {
    texts,
    rebuild(translations) {
      let next = 0;
      return parts.map((part) => ('text' in part ? `${part.before}${encodeText(translations[next++] ?? '')}${part.after}` : part.markup)).join('');
    },
  };
}
