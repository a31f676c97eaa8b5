/** The metadata array at one step: kfunc_mds, its count and used, and the slots that mean something. */
import type { ArrayReading, ArrayState, SlotState } from './array-states.ts';
import { html } from './escape.ts';
import type { Html } from './escape.ts';
import { hexAddress } from './hex.ts';

function isState(r: ArrayReading | null): r is ArrayState {
  return r !== null && !('unreadable' in r);
}

/** A slot worth a row: referenced, or holding a function's address (a live md, or a stale one a reader may still meet). */
function telling(s: SlotState): boolean {
  return s.users !== 0 || s.fn !== null;
}

function cls(changed: boolean): string {
  return changed ? 'chg' : '';
}

export function arrayView(now: ArrayReading, before: ArrayReading | null): Html {
  if (!isState(now)) return html`<p class="dim">The array could not be read here: ${now.unreadable}</p>`;
  const prev = isState(before) ? before : null;
  const moved = prev !== null && prev.base !== now.base;
  const head = html`<p class="array-head">
    <code class="${cls(moved)}">kfunc_mds = ${now.base === 0 ? 'NULL' : hexAddress(now.base)}</code
    >${now.base === 0 ? '' : html` (order ${now.order})`};
    <code class="${cls(prev !== null && prev.count !== now.count)}">kfunc_md_count = ${now.count}</code>;
    <code class="${cls(prev !== null && prev.used !== now.used)}">kfunc_md_used = ${now.used}</code
    >${now.retained > 0 ? html`; ${now.retained} retired block(s) kept` : ''}
  </p>`;
  if (now.base === 0 || now.slots.length === 0) return head;
  const shown = now.slots.filter(telling);
  const rest = now.slots.length - shown.length;
  const old = (slot: number): SlotState | undefined => (moved ? undefined : prev?.slots[slot]);
  const rows = shown.map((s) => {
    const o = old(s.slot);
    return html`<tr>
      <td class="num">${s.slot}</td>
      <td><code>${hexAddress(s.md)}</code></td>
      <td class="num ${cls(o !== undefined && o.users !== s.users)}">${s.users}</td>
      <td class="${cls(o !== undefined && o.func !== s.func)}">${s.fn ?? html`<code>${hexAddress(s.func)}</code>`}</td>
    </tr>`;
  });
  return html`${head}
    <table class="slots">
      <thead>
        <tr>
          <th>slot</th>
          <th>md</th>
          <th>users</th>
          <th>func</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="4" class="dim">no slot is referenced or names a function</td>
              </tr>`
        }
      </tbody>
    </table>
    ${rest > 0 ? html`<p class="dim">${rest} more slot(s) with users 0 and no function's address</p>` : ''}`;
}
