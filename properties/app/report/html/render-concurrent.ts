/**
 * A concurrent counterexample: the programs as C, then the per-CPU timeline (one column per
 * CPU, one row per step) beside a panel with the state at the chosen step: every md window
 * before and after it, the array after it, the operations in flight. The page's script moves
 * the chosen step (prev/next, slider, click on a row); printed, every panel shows.
 */
import { describeOperation } from '../../../engine/core/operations.ts';
import { describeSchedule } from '../../../engine/core/scenario.ts';
import type { HistoryOp } from '../../../engine/concurrent/history.ts';
import { describeResult } from '../../../engine/concurrent/history.ts';
import type { ConcRun, TimelineEntry } from '../../../engine/concurrent/simulate.ts';
import type { ArrayReading } from './array-states.ts';
import { html } from './escape.ts';
import type { Html } from './escape.ts';
import type { PreparedConcurrent } from './prepare.ts';
import { arrayView } from './render-array.ts';
import { headerView } from './render-header.ts';
import { linearizationView } from './render-linearization.ts';
import { savedReportView } from './render-saved.ts';
import { windowChange, windowView } from './render-window.ts';
import type { Windows } from './windows-at.ts';

function programsView(p: PreparedConcurrent): Html {
  const programs = p.saved.scenario.programs;
  return html`<div class="programs">
    ${programs.map(
      (ops, cpu) =>
        html`<div class="program">
          <div class="program-cpu">cpu${cpu}</div>
          <pre class="c-code">${ops.length ? ops.map(describeOperation).join('\n') : '/* nothing */'}</pre>
        </div>`,
    )}
  </div>`;
}

function cellView(e: TimelineEntry): Html {
  return html`${e.begins ? html`<div class="begins">▶ ${e.begins}</div>` : ''}
    <div class="what">${e.text}</div>
    ${e.ends ? html`<div class="ends">◀ ${e.ends}</div>` : ''}`;
}

function timelineRow(e: TimelineEntry, cpus: number, violationStep: number): Html {
  const cells = Array.from({ length: cpus }, (_, c) =>
    c === e.cpu ? html`<td class="cpu-cell on">${cellView(e)}</td>` : html`<td class="cpu-cell"></td>`,
  );
  const changed = (e.windows ?? []).map((w) => `${w.fn}: ${w.bytes}`).join(', ');
  const mark = e.step === violationStep;
  return html`<tr data-step="${e.step}" class="${mark ? 'violation' : ''}${e.step === 0 ? ' current' : ''}">
    <td class="num">${mark ? html`<span class="marker" title="the violation">▶</span>` : ''}${e.step}</td>
    ${cells}
    <td class="changed"><code>${changed}</code></td>
  </tr>`;
}

/** Operations called and not yet returned at step k (times in half-steps, history.ts). */
function inFlight(history: readonly HistoryOp[], k: number): HistoryOp[] {
  const t = 2 * k + 1;
  return history.filter((h) => h.call <= t && (h.ret === null || h.ret >= t));
}

function windowsTable(p: PreparedConcurrent, before: Windows, after: Windows): Html {
  const rows = [...after].map(([fn, bytes]) => {
    const was = before.get(fn) ?? bytes;
    return html`<tr class="${was === bytes ? '' : 'touched'}">
      <th scope="row">${fn}</th>
      <td>${windowChange(p.arch, was, bytes)}</td>
    </tr>`;
  });
  return html`<table class="windows">
    <thead>
      <tr>
        <th>function</th>
        <th>md window: before → after this step</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function panel(p: PreparedConcurrent, run: ConcRun, k: number): Html {
  const e = run.timeline[k];
  if (!e) return html``;
  const windows = p.windows;
  const arrays = p.arrays;
  const before = windows ? (k === 0 ? windows.boot : windows.after[k - 1]) : undefined;
  const after = windows?.after[k];
  const arrayNow: ArrayReading | undefined = arrays?.after[k];
  const arrayBefore: ArrayReading | null = arrays ? ((k === 0 ? arrays.boot : arrays.after[k - 1]) ?? null) : null;
  const v = run.violation;
  const flying = inFlight(run.history, k);
  return html`<div class="step-panel${k === 0 ? ' shown' : ''}" data-step="${k}" id="${p.id}-step-${k}">
    <h4>step ${k} · cpu${e.cpu}</h4>
    ${e.begins ? html`<p class="begins">▶ starts <code class="c">${e.begins}</code></p>` : ''}
    <p class="what"><code>${e.text}</code></p>
    ${e.ends ? html`<p class="ends">◀ returns <code class="c">${e.ends}</code></p>` : ''}
    ${
      v && (v.at === k || (v.at >= run.timeline.length && k === run.timeline.length - 1))
        ? html`<p class="violation-box">
            ✗ ${v.at === k ? '' : 'after this step, the last: '}${v.check}: ${v.message}
          </p>`
        : ''
    }
    <h5>in flight</h5>
    ${
      flying.length
        ? html`<ul class="flying">
            ${flying.map((h) => html`<li><code>cpu${h.cpu}</code> <code class="c">${describeOperation(h.op)}</code>${h.ret !== null && h.ret === 2 * k + 1 ? html` → ${describeResult(h.result)}` : ''}</li>`)}
          </ul>`
        : html`<p class="dim">none</p>`
    }
    <h5>md windows</h5>
    ${before && after ? windowsTable(p, before, after) : html`<p class="dim">not recorded</p>`}
    <h5>the array after this step</h5>
    ${arrayNow ? arrayView(arrayNow, arrayBefore) : html`<p class="dim">not available (see the note above)</p>`}
  </div>`;
}

function scrubber(p: PreparedConcurrent, run: ConcRun): Html {
  const cpus = p.saved.scenario.programs.length;
  const n = run.timeline.length;
  const vStep = run.violation?.at ?? -1;
  // a violation seen after the last step (at the end, or as an operation started) belongs to the last row
  const target = vStep >= n ? n - 1 : vStep;
  const hasRow = target >= 0;
  const head = Array.from({ length: cpus }, (_, c) => html`<th scope="col">cpu${c}</th>`);
  return html`<div
    class="scrubber"
    data-scrubber="${p.id}"
    data-steps="${n}"
    data-violation="${hasRow ? target : -1}"
    tabindex="0"
  >
    <div class="controls" role="toolbar" aria-label="step through the run">
      <button type="button" data-action="first" title="first step (Home)">first</button>
      <button type="button" data-action="prev" title="previous step (←)">◀ prev</button>
      <input type="range" min="0" max="${Math.max(0, n - 1)}" value="0" step="1" aria-label="step" />
      <button type="button" data-action="next" title="next step (→)">next ▶</button>
      <button type="button" data-action="last" title="last step (End)">last</button>
      ${hasRow ? html`<button type="button" data-action="violation" class="to-violation">jump to the violation (${vStep >= n ? `after step ${target}` : `step ${target}`})</button>` : ''}
      <output class="step-label" aria-live="polite">step 0 of ${n - 1}</output>
    </div>
    <div class="scrub-grid">
      <div class="timeline-wrap">
        <table class="timeline">
          <thead>
            <tr>
              <th scope="col">step</th>
              ${head}
              <th scope="col">windows it changed</th>
            </tr>
          </thead>
          <tbody>
            ${run.timeline.map((e) => timelineRow(e, cpus, vStep))}
          </tbody>
        </table>
      </div>
      <div class="panels">${run.timeline.map((_, k) => panel(p, run, k))}</div>
    </div>
    ${vStep >= n ? html`<p class="violation-box">✗ seen after the last step, ${n - 1}: ${run.violation?.check ?? ''}: ${run.violation?.message ?? ''}</p>` : ''}
  </div>`;
}

export function concurrentView(p: PreparedConcurrent): Html {
  const run = p.run;
  const s = p.saved.scenario;
  const arch =
    p.arch === 'arm64' ? 'arm64: one aligned word store per poke' : `x86 poke byte order ${s.pokeByteOrder.join(',')}`;
  const setup = html`<p class="setup">
    functions ${s.functions.map((f) => f.name).join(', ')}; ENTRIES_PER_PAGE ${s.entriesPerPage}, MAX_PAGE_ORDER
    ${s.maxOrder}; ${arch}<br />
    schedule:
    ${describeSchedule(s.schedule)}${run ? html` (${run.steps} steps, ${run.preemptions} preemption${run.preemptions === 1 ? '' : 's'})` : ''}
  </p>`;
  const boot = run
    ? html`<h3>md windows at boot</h3>
        <div class="boot-windows">
          ${run.bootWindows.map((w) => html`<div class="boot-window"><span class="win-fn">${w.fn}</span>${windowView(p.arch, w.bytes)}</div>`)}
        </div>`
    : '';
  const lin = run && run.violation?.check === 'linearizability' ? linearizationView(run) : '';
  return html`<section class="ce" id="${p.id}" data-kind="concurrent">
    ${headerView(p)} ${setup}
    <h3>What each CPU runs, as C</h3>
    ${programsView(p)} ${boot}
    ${
      run && run.timeline.length > 0
        ? html`<h3>The timeline</h3>
            <p class="dim">
              Click a row, or use the buttons, the slider or ←/→. The panel shows the chosen step: every md window
              before → after it, the array kfunc_mds points to after it, and the operations in flight. The model is not
              stepped per step in a concurrent run: the monitor checks every step, and the model judges each operation's
              result when the history is checked at the end (linearizability).
            </p>
            ${scrubber(p, run)}`
        : ''
    }
    ${lin} ${savedReportView(p.saved.report)}
  </section>`;
}
