import { cellText } from './terminal-text.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Left-aligned columns two spaces apart; `colour` paints a cell after padding (ANSI codes take no width). `colour` sees the cells made terminal-safe. */
export function renderTable(cells: string[][], colour: (row: string[], cell: string, column: number) => string): string {
  // Cells carry Azure's strings: made terminal-safe and cut to a readable width before anything is measured.
  const rows = cells.map((row) => row.map((cell) => cellText(cell)));
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) => row.map((cell, column) => colour(row, pad(cell, column === row.length - 1 ? 0 : (widths[column] ?? 0)), column)).join('  ').trimEnd())
    .join('\n');
}
