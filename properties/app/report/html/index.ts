/** The HTML report: what `kfmd report --html` and `kfmd check --html` write. */
export { renderCheckHtml } from './check.ts';
export type { CheckHtmlInput } from './check.ts';
export { renderHtmlReport, sectionId } from './render-page.ts';
export type { HtmlReportInput } from './render-page.ts';
export { concurrentVerdicts, filesVerdicts, matrixVerdicts, sequentialVerdicts } from './verdict-table.ts';
export type { LoadedFile, VerdictCell, VerdictFinding, VerdictTable } from './verdict-table.ts';
export { disassemble, disassemblyText } from './disasm.ts';
export type { Insn } from './disasm.ts';
