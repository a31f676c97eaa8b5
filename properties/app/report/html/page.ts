/** One self-contained page: inline CSS and script, no request leaves it. */
import { Html, html } from './escape.ts';
import type { HtmlPart } from './escape.ts';
import { SCRIPT } from './script.ts';
import { STYLE } from './style.ts';

export function page(title: string, body: HtmlPart): string {
  const doc = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
        />
        <title>${title}</title>
        <style>
          ${Html.trusted(STYLE)}
        </style>
      </head>
      <body>
        <main>${body}</main>
        <script>
          ${Html.trusted(SCRIPT)};
        </script>
      </body>
    </html> `;
  return doc.text;
}
