/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is
 * already Html, so no string from a counterexample file can reach the page unescaped.
 */
export class Html {
  private constructor(readonly text: string) {}

  /** Markup written in this module tree (the page's CSS and script), never data. */
  static trusted(text: string): Html {
    return new Html(text);
  }
}

export type HtmlPart = Html | string | number | null | undefined | false | readonly HtmlPart[];

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an element's content or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function partText(p: HtmlPart): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.text;
  if (typeof p === 'number') return String(p);
  if (typeof p === 'string') return escapeHtml(p);
  return p.map(partText).join('');
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlPart[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += partText(v) + (strings[i + 1] ?? '');
  });
  return Html.trusted(out);
}

export function joinHtml(parts: readonly HtmlPart[], separator: HtmlPart = ''): Html {
  return Html.trusted(parts.map(partText).join(partText(separator)));
}
