/**
 * A minimal XML writer for generated server configuration (ClickHouse, Keeper): elements, attributes and
 * escaped text, indented two spaces, so a changed value is a one-line diff in the rendered ConfigMap.
 */

export interface XmlElement {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}
export type XmlNode = XmlElement | string | number | boolean;

const TAG = /^[A-Za-z_][-A-Za-z0-9_.]*$/;

/** `el('port', 9000)`, `el('password', { from_env: 'PW' })`, `el('node', el('host', 'a'), el('port', 1))` */
export function el(tag: string, ...rest: (XmlNode | Readonly<Record<string, string>> | undefined)[]): XmlElement {
  if (!TAG.test(tag)) throw new Error(`"${tag}" is not a valid XML element name`);
  let attrs: Record<string, string> = {};
  const children: XmlNode[] = [];
  rest.forEach((r, i) => {
    if (r === undefined) return;
    if (i === 0 && typeof r === 'object' && !isElement(r)) attrs = { ...r };
    else if (typeof r === 'object' && !isElement(r)) throw new Error(`<${tag}>: attributes must come first`);
    else children.push(r as XmlNode);
  });
  return { tag, attrs, children };
}

function isElement(v: unknown): v is XmlElement {
  return typeof v === 'object' && v !== null && 'tag' in v && 'children' in v;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function render(n: XmlElement, indent: string): string {
  const attrs = Object.entries(n.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  if (n.children.length === 0) return `${indent}<${n.tag}${attrs}/>`;
  if (n.children.every((c) => !isElement(c))) {
    return `${indent}<${n.tag}${attrs}>${escapeXml(n.children.map(String).join(''))}</${n.tag}>`;
  }
  const inner = n.children.map((c) => (isElement(c) ? render(c, `${indent}  `) : `${indent}  ${escapeXml(String(c))}`));
  return `${indent}<${n.tag}${attrs}>\n${inner.join('\n')}\n${indent}</${n.tag}>`;
}

/** A whole document, with an optional leading comment. */
export function xmlDocument(root: XmlElement, comment?: string): string {
  const head = comment ? `<!-- ${comment.replace(/--/g, '- -')} -->\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}${render(root, '')}\n`;
}
