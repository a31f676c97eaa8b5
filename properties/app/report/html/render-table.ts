/** The verdict table on the page, each finding a link to its counterexample's section. */
import { html } from './escape.ts';
import type { Html } from './escape.ts';
import type { VerdictCell, VerdictFinding, VerdictTable } from './verdict-table.ts';

/** The section id of a finding's counterexample, or null when the page has none. */
export type FindingLink = (cell: Extract<VerdictCell, { kind: 'violated' }>, f: VerdictFinding) => string | null;

function cellView(cell: VerdictCell, link: FindingLink): Html {
  switch (cell.kind) {
    case 'empty':
      return html`<td></td>`;
    case 'holds':
      return html`<td class="holds">holds</td>`;
    case 'n/a':
      return html`<td class="na" title="${cell.why}">n/a</td>`;
    case 'error':
      return html`<td class="bad-text" title="${cell.why}">error</td>`;
    case 'violated':
      return html`<td class="violated">
        ${cell.findings.map((f) => {
          const id = link(cell, f);
          return id === null
            ? html`<span class="finding" title="no counterexample of it on this page">${f.label}</span> `
            : html`<a class="finding" href="#${id}">${f.label}</a> `;
        })}
      </td>`;
  }
}

export function verdictTableView(t: VerdictTable, link: FindingLink): Html {
  return html`<section class="verdicts-section">
    <h2>Verdicts</h2>
    <p class="dim">${t.title}</p>
    <div class="scroll-x">
      <table class="verdicts">
        <thead>
          <tr>
            <th scope="col">${t.corner}</th>
            ${t.columns.map((c) => html`<th scope="col">${c}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${t.rows.map(
            (r) =>
              html`<tr>
                <th scope="row">${r.label}</th>
                ${r.cells.map((c) => cellView(c, link))}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}
