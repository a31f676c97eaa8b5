/** Plain text table with left-aligned columns; widths ignore ANSI colour codes. */
import { stripVTControlCharacters } from 'node:util';

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = (s: string): number => stripVTControlCharacters(s).length;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
