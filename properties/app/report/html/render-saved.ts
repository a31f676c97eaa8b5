/** The text report saved in the file, as `kfmd replay` prints it: the reference the page was drawn from. */
import { html } from './escape.ts';
import type { Html } from './escape.ts';

export function savedReportView(report: string): Html {
  return html`<details class="saved">
    <summary>The text report saved with the counterexample</summary>
    <pre>${report}</pre>
  </details>`;
}
