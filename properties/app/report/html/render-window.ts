/** An md window on the page: its bytes in hex (the ones that changed marked) and as disassembly. */
import type { Arch } from '../../../../model/encoding/window.ts';
import { disassemble, hex2 } from './disasm.ts';
import { html } from './escape.ts';
import type { Html } from './escape.ts';
import { parseHex } from './hex.ts';

/** `hex` as the reports carry it ("b8 00 00 00 00"); bytes differing from `other` are marked. */
export function windowView(arch: Arch, hex: string, other?: string): Html {
  const bytes = parseHex(hex);
  if (bytes === null) return html`<div class="win"><code class="hex">${hex}</code></div>`;
  const against = other === undefined ? null : parseHex(other);
  const cells = bytes.map((b, i) =>
    against !== null && against[i] !== b ? html`<span class="chg">${hex2(b)}</span>` : html`<span>${hex2(b)}</span>`,
  );
  const asm = disassemble(arch, bytes).map(
    (insn) => html`<span class="insn">${insn.text}${insn.note ? html` <i>${insn.note}</i>` : ''}</span>`,
  );
  return html`<div class="win"><code class="hex">${cells}</code><code class="asm">${asm}</code></div>`;
}

/** before → after; an unchanged window shows once. */
export function windowChange(arch: Arch, before: string, after: string): Html {
  if (before === after) return html`<div class="change same">${windowView(arch, after)}</div>`;
  return html`<div class="change">
    ${windowView(arch, before)}<span class="arrow" aria-label="becomes">→</span>${windowView(arch, after, before)}
  </div>`;
}
