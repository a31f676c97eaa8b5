/** The page's stylesheet, inline: the page must open offline, so only system fonts. */
export const STYLE = `
:root {
  --fg: #1d232b; --dim: #5f6b7a; --line: #d5dbe3; --bg: #ffffff; --panel: #f6f8fa;
  --good: #17703a; --good-bg: #e3f4e8; --bad: #b3261e; --bad-bg: #fdecea; --na: #8a5a00; --na-bg: #fff4d6;
  --cur: #fff1b8; --chg: #ffd7a8; --link: #0b57d0;
  --mono: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 48px; color: var(--fg); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; }
main { max-width: 1600px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
h4 { font-size: 14px; margin: 0 0 6px; }
h5 { font-size: 12px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: var(--dim); }
a { color: var(--link); }
code, pre { font-family: var(--mono); font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.dim { color: var(--dim); }
.bad-text { color: var(--bad); }
.note { color: var(--na); background: var(--na-bg); padding: 4px 8px; border-radius: 4px; margin: 6px 0; }
.toc { margin: 8px 0 16px; padding-left: 20px; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; }
.scroll-x { overflow-x: auto; }
.verdicts th, .verdicts td { border: 1px solid var(--line); padding: 3px 8px; white-space: nowrap; }
.verdicts thead th { background: var(--panel); }
.verdicts td.holds { color: var(--good); background: var(--good-bg); }
.verdicts td.na { color: var(--na); background: var(--na-bg); }
.verdicts td.violated { background: var(--bad-bg); }
.verdicts .finding { font-weight: 600; color: var(--bad); margin-right: 4px; }
.ce { border-top: 3px solid var(--line); margin-top: 28px; padding-top: 14px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; }
.badge.bad { background: var(--bad); color: #fff; }
.finding-title { margin: 0 0 8px; font-style: italic; }
.facts th { color: var(--dim); font-weight: normal; padding: 1px 12px 1px 0; white-space: nowrap; }
.facts td { padding: 1px 0; }
.message { font-family: var(--mono); font-size: 12.5px; }
.cmd { background: var(--panel); padding: 1px 6px; border-radius: 3px; user-select: all; }
.c-code { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; }
.programs { display: flex; gap: 12px; flex-wrap: wrap; }
.program { flex: 1 1 300px; min-width: 0; }
.program-cpu { font-weight: 600; margin-bottom: 2px; }
.boot-windows { display: flex; gap: 16px; flex-wrap: wrap; }
.boot-window { display: flex; gap: 6px; align-items: baseline; }
.win-fn { font-family: var(--mono); font-size: 12px; color: var(--dim); }
.win { display: inline-flex; flex-direction: column; gap: 1px; }
.win .hex span { padding: 0 1px; }
.win .hex span + span { margin-left: 3px; }
.win .asm { color: #30476b; }
.win .asm .insn + .insn::before { content: "; "; color: var(--dim); }
.win .asm i { color: var(--dim); }
.chg { background: var(--chg); border-radius: 2px; }
.change { display: inline-flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.arrow { color: var(--dim); font-size: 16px; }
.steps th, .steps td { border-bottom: 1px solid var(--line); padding: 4px 8px; }
.steps thead th { background: var(--panel); position: sticky; top: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.violation { background: var(--bad-bg); }
.marker { color: var(--bad); margin-right: 4px; }
.controls { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; margin: 6px 0 8px;
  position: sticky; top: 0; background: var(--bg); z-index: 2; padding: 4px 0; border-bottom: 1px solid var(--line); }
.controls button { font: inherit; padding: 3px 10px; border: 1px solid #aab4c0; border-radius: 4px; background: #fff; cursor: pointer; }
.controls button:hover { background: var(--panel); }
.controls button.to-violation { border-color: var(--bad); color: var(--bad); }
.controls input[type=range] { flex: 1 1 240px; min-width: 160px; }
.step-label { font-weight: 600; min-width: 110px; text-align: right; font-variant-numeric: tabular-nums; }
.scrubber:focus { outline: none; }
.scrub-grid { display: grid; grid-template-columns: minmax(0, 11fr) minmax(360px, 9fr); gap: 14px; align-items: start; }
@media (max-width: 1000px) { .scrub-grid { grid-template-columns: minmax(0, 1fr); } }
.timeline-wrap { max-height: 70vh; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
.timeline { width: 100%; font-family: var(--mono); font-size: 12px; }
.timeline th, .timeline td { padding: 2px 6px; border-bottom: 1px solid #eef1f4; }
.timeline thead th { position: sticky; top: 0; background: var(--panel); z-index: 1; font-family: system-ui, sans-serif; }
.timeline td.cpu-cell { border-left: 1px solid var(--line); min-width: 140px; }
.timeline td.cpu-cell.on { background: #eef4ff; }
.timeline .begins, .timeline .ends { color: var(--dim); font-size: 11px; }
.timeline td.changed { color: #7a3d00; font-size: 11px; }
.timeline tr[data-step] { cursor: pointer; }
.timeline tr.future { opacity: .45; }
.timeline tr.current td { background: var(--cur); }
.timeline tr.current td.cpu-cell.on { background: #ffe27a; box-shadow: inset 3px 0 0 #c98a00; }
.timeline tr.violation td:first-child { color: var(--bad); font-weight: 700; }
.panels { position: sticky; top: 48px; }
.step-panel { display: none; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 10px 12px; }
.step-panel.shown { display: block; }
.step-panel .what code { font-size: 13px; }
.step-panel .begins, .step-panel .ends { margin: 2px 0; color: var(--dim); }
.violation-box { background: var(--bad-bg); color: var(--bad); border-left: 4px solid var(--bad); padding: 4px 8px; margin: 6px 0; }
.windows, .slots { width: 100%; }
.windows th, .windows td { padding: 3px 8px 3px 0; border-bottom: 1px solid var(--line); }
.windows tr.touched th { color: #7a3d00; }
.flying { margin: 0; padding-left: 18px; }
.array-head { margin: 2px 0 4px; }
.array-head code { margin-right: 2px; }
.slots th, .slots td, .history th, .history td { border-bottom: 1px solid var(--line); padding: 2px 8px; font-size: 12.5px; }
.linearization, .stuck { font-size: 13px; }
.stuck li { color: var(--bad); }
details.saved { margin-top: 14px; }
details.saved summary { cursor: pointer; color: var(--dim); }
details.saved pre { background: var(--panel); border: 1px solid var(--line); padding: 8px; overflow-x: auto; white-space: pre; }
@media print {
  body { padding: 0; font-size: 11px; }
  .controls { display: none; }
  .scrub-grid { display: block; }
  .timeline-wrap { max-height: none; overflow: visible; border: none; }
  .timeline tr.future { opacity: 1; }
  .timeline tr.current td, .timeline tr.current td.cpu-cell.on { background: none; box-shadow: none; }
  .panels { position: static; }
  .step-panel, .step-panel.shown { display: block; break-inside: avoid; margin-top: 8px; }
  .ce { break-before: page; }
  details.saved pre { white-space: pre-wrap; }
  a { color: inherit; text-decoration: none; }
}
`;
