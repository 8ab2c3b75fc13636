/**
 * Test support: a translator that marks every string it translates, and a check that finds
 * the words on screen that did not go through it. Used by the `translation.test.ts` suites;
 * never by the extension itself.
 */
import { Gettext, type ITranslator, type TranslationBundle } from '@jupyterlab/translation';

const OPEN = '«';
const CLOSE = '»';

/** A translated string, as the marking translator returns it. */
export const marked = (text: string): string => `${OPEN}${text}${CLOSE}`;

/** A translator whose every bundle wraps the (interpolated) English in «», and the domains asked for. */
export function markingTranslator(): ITranslator & { domains: string[] } {
  const fmt = (msgid: string, args: unknown[]) => marked(Gettext.strfmt(msgid, ...args));
  const plural = (one: string, many: string, n: number, args: unknown[]) =>
    fmt(n === 1 ? one : many, [n, ...args]);
  const bundle: TranslationBundle = {
    __: (msgid, ...args) => fmt(msgid, args),
    _n: (one, many, n, ...args) => plural(one, many, n, args),
    _p: (_ctx, msgid, ...args) => fmt(msgid, args),
    _np: (_ctx, one, many, n, ...args) => plural(one, many, n, args),
    gettext: (msgid, ...args) => fmt(msgid, args),
    ngettext: (one, many, n, ...args) => plural(one, many, n, args),
    pgettext: (_ctx, msgid, ...args) => fmt(msgid, args),
    npgettext: (_ctx, one, many, n, ...args) => plural(one, many, n, args),
    dcnpgettext: (_domain, _ctx, one, many, n, ...args) => plural(one, many, n, args),
  };
  const domains: string[] = [];
  return {
    languageCode: 'x-marked',
    domains,
    load(domain: string) {
      domains.push(domain);
      return bundle;
    },
  };
}

/**
 * What is left of `text` once the translated parts and the given data (names, URLs, numbers
 * from the gateway) are taken out, when that still holds a word: the part that bypassed the
 * translator. Null when everything readable was translated.
 */
export function untranslated(text: string, data: readonly string[] = []): string | null {
  let rest = text;
  // Innermost first: a translated sentence may hold another translated message as an argument.
  for (let before = ''; before !== rest;) {
    before = rest;
    rest = rest.replace(/«[^«»]*»/g, ' ');
  }
  for (const value of [...data].sort((a, b) => b.length - a.length))
    if (value) rest = rest.split(value).join(' ');
  return /\p{L}/u.test(rest) ? text : null;
}

/** Attributes a person reads or hears (screen readers, tooltips, placeholders). */
const READ_ATTRIBUTES = ['aria-label', 'title', 'placeholder', 'alt'];

/**
 * Every text and readable attribute under `root` that did not go through the translator,
 * as `"text" (where)`. Empty when the widget speaks only through the translator.
 */
export function untranslatedIn(root: Element, data: readonly string[] = []): string[] {
  const found: string[] = [];
  const walker = root.ownerDocument.createTreeWalker(root, 0x1 | 0x4); // elements and text
  for (let node: Node | null = walker.currentNode; node; node = walker.nextNode()) {
    if (node.nodeType === 3) {
      const text = node.textContent ?? '';
      const parent = node.parentElement;
      // Code shown as code (snippets' placeholders are attributes, handled below) is data.
      if (parent?.closest('style, script')) continue;
      if (untranslated(text, data)) found.push(`"${text.trim()}" (text in <${parent?.tagName}>)`);
    } else {
      const el = node as Element;
      for (const name of READ_ATTRIBUTES) {
        const value = el.getAttribute(name);
        if (value !== null && untranslated(value, data))
          found.push(`"${value}" (${name} of <${el.tagName}>)`);
      }
    }
  }
  return found;
}
