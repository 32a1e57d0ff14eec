/** One part of the benchmark: a table for the console and docs/performance.md, notes under it, and raw data for results.json. */
export interface PartResult {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes: readonly string[];
  readonly data: unknown;
}

/** Renders a part as a Markdown heading, table and bullet notes, so the output pastes into docs/performance.md unchanged. */
export function formatPart(part: PartResult): string {
  const widths = part.headers.map((header, column) => Math.max(header.length, ...part.rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [
    `### ${part.title}`,
    '',
    line(part.headers),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...part.rows.map(line),
    '',
    ...part.notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}
