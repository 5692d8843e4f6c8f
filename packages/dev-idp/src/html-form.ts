export interface HtmlForm {
  action: URL;
  method: string;
  fields: URLSearchParams;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };

function decode(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_match, name: string) => entities[name] ?? '');
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    found.set(match[1]!.toLowerCase(), decode(match[2] ?? match[3] ?? ''));
  }
  return found;
}

/**
 * The first form of a page, with its named inputs and their values, the way a browser would submit
 * it. Enough for the IdP's own pages (login, logout); not a general HTML parser.
 */
export function firstForm(html: string, pageUrl: URL): HtmlForm | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const formAttributes = attributes(form[1] ?? '');
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const inputAttributes = attributes(input[1] ?? '');
    const name = inputAttributes.get('name');
    if (name) fields.append(name, inputAttributes.get('value') ?? '');
  }
  return {
    action: new URL(formAttributes.get('action') ?? pageUrl.href, pageUrl),
    method: (formAttributes.get('method') ?? 'get').toUpperCase(),
    fields,
  };
}
