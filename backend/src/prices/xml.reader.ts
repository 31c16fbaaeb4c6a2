/**
 * A small, strict XML 1.0 reader: enough for ENTSO-E market documents, no dependency.
 *
 * Supported: the XML declaration and processing instructions (skipped), comments, CDATA, elements,
 * attributes (single or double quoted), self-closing tags, the five predefined entities and numeric
 * character references (XML 1.0 §4.1, §4.6). Namespace prefixes are dropped: `name` is the local name.
 * Refused with the line number: DOCTYPE (no DTDs, so no entity expansion attacks), unknown entities,
 * mismatched or unclosed tags, duplicate attributes, a bare `<` or `&`, text outside the root element.
 */
export interface XmlElement {
  /** Local name (prefix removed). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data (child elements' text not included), entities decoded. */
  text: string;
  /** 1-based line of the start tag, for error messages. */
  line: number;
}

export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'XmlError';
  }
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/y;
const SPACE = /[ \t\r\n]*/y;

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

class Reader {
  private pos = 0;
  private line = 1;
  /** Position up to which `line` has been counted. */
  private counted = 0;

  constructor(private readonly src: string) {}

  parse(): XmlElement {
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1; // byte order mark
    this.skipMisc();
    if (!this.src.startsWith('<', this.pos) || this.pos >= this.src.length) this.fail('no root element');
    const root = this.element();
    this.skipMisc();
    if (this.pos < this.src.length) this.fail('content after the root element');
    return root;
  }

  private fail(message: string): never {
    throw new XmlError(message, this.lineAt(this.pos));
  }

  private lineAt(pos: number): number {
    for (; this.counted < pos && this.counted < this.src.length; this.counted++) {
      if (this.src.charCodeAt(this.counted) === 10) this.line++;
    }
    return this.line;
  }

  private skipSpace(): void {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.src);
    this.pos = SPACE.lastIndex;
  }

  /** Whitespace, comments and processing instructions between markup outside the root. */
  private skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.src.startsWith('<?', this.pos)) this.skipUntil('?>', 'processing instruction');
      else if (this.src.startsWith('<!--', this.pos)) this.skipUntil('-->', 'comment');
      else if (this.src.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not supported');
      else if (this.pos < this.src.length && this.src[this.pos] !== '<')
        this.fail('text outside the root element');
      else return;
    }
  }

  private skipUntil(terminator: string, what: string): string {
    const end = this.src.indexOf(terminator, this.pos);
    if (end < 0) this.fail(`unterminated ${what}`);
    const body = this.src.slice(this.pos, end);
    this.pos = end + terminator.length;
    return body;
  }

  private name(what: string): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.src);
    if (!m) this.fail(`expected ${what} name`);
    this.pos = NAME.lastIndex;
    return m[0];
  }

  private element(): XmlElement {
    const line = this.lineAt(this.pos);
    this.pos++; // '<'
    const qname = this.name('element');
    const el: XmlElement = { name: localName(qname), attributes: {}, children: [], text: '', line };
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        return el;
      }
      if (this.src[this.pos] === '>') {
        this.pos++;
        break;
      }
      if (this.pos === before) this.fail(`expected whitespace, '>' or '/>' in <${qname}>`);
      const attr = this.name('attribute');
      if (attr in el.attributes) this.fail(`duplicate attribute ${attr} in <${qname}>`);
      this.skipSpace();
      if (this.src[this.pos] !== '=') this.fail(`expected '=' after attribute ${attr}`);
      this.pos++;
      this.skipSpace();
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`attribute ${attr} value must be quoted`);
      this.pos++;
      const end = this.src.indexOf(quote, this.pos);
      if (end < 0) this.fail(`unterminated value of attribute ${attr}`);
      const raw = this.src.slice(this.pos, end);
      if (raw.includes('<')) this.fail(`'<' in value of attribute ${attr}`);
      el.attributes[attr] = this.decode(raw, this.pos);
      this.pos = end + 1;
    }
    this.content(el, qname);
    return el;
  }

  private content(el: XmlElement, qname: string): void {
    for (;;) {
      const lt = this.src.indexOf('<', this.pos);
      if (lt < 0) this.fail(`<${qname}> (line ${el.line}) is not closed`);
      if (lt > this.pos) el.text += this.decode(this.src.slice(this.pos, lt), this.pos);
      this.pos = lt;
      if (this.src.startsWith('</', lt)) {
        this.pos += 2;
        const close = this.name('closing tag');
        if (close !== qname) this.fail(`</${close}> does not close <${qname}> (line ${el.line})`);
        this.skipSpace();
        if (this.src[this.pos] !== '>') this.fail(`expected '>' after </${close}`);
        this.pos++;
        return;
      }
      if (this.src.startsWith('<!--', lt)) {
        this.pos += 4;
        this.skipUntil('-->', 'comment');
      } else if (this.src.startsWith('<![CDATA[', lt)) {
        this.pos += 9;
        el.text += this.skipUntil(']]>', 'CDATA section');
      } else if (this.src.startsWith('<?', lt)) {
        this.skipUntil('?>', 'processing instruction');
      } else if (this.src.startsWith('<!', lt)) {
        this.fail('unsupported markup declaration');
      } else {
        el.children.push(this.element());
      }
    }
  }

  /** Character data with entity and character references decoded (§4.1). */
  private decode(raw: string, at: number): string {
    if (!raw.includes('&')) return raw;
    let out = '';
    let i = 0;
    for (;;) {
      const amp = raw.indexOf('&', i);
      if (amp < 0) return out + raw.slice(i);
      out += raw.slice(i, amp);
      const semi = raw.indexOf(';', amp);
      const ref = semi < 0 ? '' : raw.slice(amp + 1, semi);
      let char: string | undefined;
      if (/^#[0-9]{1,7}$/.test(ref)) char = codePoint(Number(ref.slice(1)));
      else if (/^#x[0-9A-Fa-f]{1,6}$/.test(ref)) char = codePoint(parseInt(ref.slice(2), 16));
      else char = PREDEFINED[ref];
      if (char === undefined) {
        this.pos = at + amp;
        this.fail(`bad entity reference '${raw.slice(amp, Math.min(raw.length, amp + 12))}'`);
      }
      out += char;
      i = semi + 1;
    }
  }
}

function codePoint(n: number): string | undefined {
  if (n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
  return String.fromCodePoint(n);
}

export function parseXml(src: string): XmlElement {
  return new Reader(src).parse();
}

// ---- navigation helpers: strict, with the element's line in the message ----

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function optionalChild(el: XmlElement, name: string): XmlElement | undefined {
  const found = childrenNamed(el, name);
  if (found.length > 1)
    throw new XmlError(`<${el.name}> has ${found.length} <${name}> elements, expected one`, el.line);
  return found[0];
}

export function requiredChild(el: XmlElement, name: string): XmlElement {
  const found = optionalChild(el, name);
  if (!found) throw new XmlError(`<${el.name}> has no <${name}>`, el.line);
  return found;
}

/** Trimmed text of a required child. */
export function childText(el: XmlElement, name: string): string {
  return requiredChild(el, name).text.trim();
}
