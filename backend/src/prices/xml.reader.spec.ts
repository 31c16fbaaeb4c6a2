import { childText, parseXml, XmlError } from './xml.reader';

describe('parseXml', () => {
  it('should read elements, attributes, text, entities, CDATA and drop namespace prefixes', () => {
    const root = parseXml(`\uFEFF<?xml version="1.0" encoding="utf-8"?>
<!-- a comment -->
<ns:Doc xmlns:ns="urn:x" a='1' b="x &amp; y">
  <ns:item id="&#65;&#x42;">a &lt;b&gt; &quot;c&quot; &apos;d&apos;</ns:item>
  <empty/>
  <data><![CDATA[<not> &markup;]]></data>
</ns:Doc>
`);
    expect(root.name).toBe('Doc');
    expect(root.attributes).toEqual({ 'xmlns:ns': 'urn:x', a: '1', b: 'x & y' });
    expect(root.children.map((c) => [c.name, c.line])).toEqual([
      ['item', 4],
      ['empty', 5],
      ['data', 6],
    ]);
    expect(root.children[0].attributes.id).toBe('AB');
    expect(childText(root, 'item')).toBe(`a <b> "c" 'd'`);
    expect(childText(root, 'data')).toBe('<not> &markup;');
    expect(root.children[1].children).toEqual([]);
  });

  it.each([
    ['<a><b></a>', /line 1: <\/a> does not close <b>/],
    ['<a>\n<b>', /line 2: <b> \(line 2\) is not closed/],
    ['<a x="1" x="2"/>', /duplicate attribute x/],
    ['<a x=1/>', /must be quoted/],
    ['<a>&nbsp;</a>', /bad entity reference '&nbsp;'/],
    ['<a>AT&T</a>', /bad entity reference/],
    ['<a>&#0;</a>', /bad entity reference/],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', /DOCTYPE is not supported/],
    ['<a/><b/>', /content after the root element/],
    ['text<a/>', /text outside the root element/],
    ['', /no root element/],
    ['<a><!-- open </a>', /unterminated comment/],
    ['<a b="<"/>', /'<' in value of attribute b/],
  ])('should refuse %j', (src, message) => {
    expect(() => parseXml(src)).toThrow(XmlError);
    expect(() => parseXml(src)).toThrow(message);
  });

  it('should report a missing or repeated child with the parent line', () => {
    const root = parseXml('<a>\n<b/><b/></a>');
    expect(() => childText(root, 'c')).toThrow('line 1: <a> has no <c>');
    expect(() => childText(root, 'b')).toThrow('line 1: <a> has 2 <b> elements, expected one');
  });
});
