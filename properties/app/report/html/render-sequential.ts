/** A sequential counterexample: the calls as C, then each call with its result and window against the model's. */
import { describeOperation } from '../../../engine/core/operations.ts';
import type { ExecutedStep } from '../../../engine/sequential/executor.ts';
import { html } from './escape.ts';
import type { Html } from './escape.ts';
import type { PreparedSequential } from './prepare.ts';
import { headerView } from './render-header.ts';
import { savedReportView } from './render-saved.ts';
import { windowChange, windowView } from './render-window.ts';

function stepRow(p: PreparedSequential, s: ExecutedStep, i: number, at: number): Html {
  const mark = i === at;
  const window = s.window
    ? html`<div class="win-fn">${s.window.fn} @ip-${s.window.offset}</div>
        ${windowChange(p.arch, s.window.before, s.window.after)}`
    : html`<span class="dim">—</span>`;
  const model = s.window
    ? html`${windowView(p.arch, s.window.model, s.window.after)}${s.window.model === s.window.after ? '' : html`<div class="bad-text">differs from the implementation's</div>`}`
    : html`<span class="dim">—</span>`;
  return html`<tr id="${p.id}-call-${i + 1}" class="${mark ? 'violation' : ''}">
    <td class="num">
      ${mark ? html`<span class="marker" title="the check failed after this call">▶</span>` : ''}${i + 1}
    </td>
    <td><code class="c">${s.call}</code></td>
    <td>${s.expected}</td>
    <td>${s.actual}</td>
    <td>${window}</td>
    <td>${model}</td>
  </tr>`;
}

export function sequentialView(p: PreparedSequential): Html {
  const ex = p.execution;
  const calls = ex ? ex.steps.map((s) => s.call) : p.saved.scenario.commands.map(describeOperation);
  const program = calls.map((c, i) => `/* ${String(i + 1).padStart(2)} */ ${c}`).join('\n');
  const at = ex?.violation?.at ?? -2;
  const steps = ex
    ? html`<h3>Each call</h3>
        <p class="dim">
          The md window of the function the call is about, before → after the call (hex and disassembly; changed bytes
          marked), and the window the model expects after it.
        </p>
        <div class="scroll-x">
          <table class="steps">
            <thead>
              <tr>
                <th>#</th>
                <th>call</th>
                <th>model expects</th>
                <th>implementation did</th>
                <th>md window: before → after</th>
                <th>model's window after</th>
              </tr>
            </thead>
            <tbody>
              ${ex.steps.map((s, i) => stepRow(p, s, i, at))}
            </tbody>
          </table>
        </div>
        ${at === -1 ? html`<p class="bad-text">The check failed at boot, before any call.</p>` : ''}`
    : '';
  return html`<section class="ce" id="${p.id}" data-kind="sequential">
    ${headerView(p)}
    <h3>The calls, as C</h3>
    <pre class="c-code">${program}</pre>
    ${steps} ${savedReportView(p.saved.report)}
  </section>`;
}
