/**
 * Reads a batch CSV in the browser for the preview table, and marks each row the API would
 * refuse, with the same rules (batch-submissions.ts): the columns, required cells, known
 * styles/formats/voices, a ready video, and no spreadsheet formulas.
 */
import { CSV_COLUMNS, FITS } from '@cutline/contract';

export { CSV_COLUMNS };
export const MAX_BATCH_ROWS = 500;
const ASPECTS = ['9:16', '1:1', '16:9'];

export interface CsvRow {
  /** As a spreadsheet numbers it: the header is row 1. */
  number: number;
  cells: Record<string, string>;
  problems: string[];
}

export interface CsvPreview {
  columns: string[];
  rows: CsvRow[];
  /** Problems of the file itself (header, size). */
  fileProblems: string[];
}

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

export interface CsvContext {
  styles: string[];
  voices: string[];
  readyVideos: Set<string>;
  maxNarrationSeconds: number | null;
  estimate: (script: string) => number;
}

export function previewCsv(text: string, context: CsvContext): CsvPreview {
  const [header = [], ...data] = parseCsv(text);
  const columns = header.map((c) => c.trim().toLowerCase());
  const fileProblems: string[] = [];
  for (const required of ['script', 'video'])
    if (!columns.includes(required)) fileProblems.push(`The header has no "${required}" column.`);
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length)
    fileProblems.push(
      `Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Use ${CSV_COLUMNS.join(', ')}.`,
    );
  if (data.length === 0) fileProblems.push('The file has no rows under its header.');
  if (data.length > MAX_BATCH_ROWS)
    fileProblems.push(`A batch holds at most ${MAX_BATCH_ROWS} rows; this file has ${data.length}.`);
  const rows = data.slice(0, MAX_BATCH_ROWS).map((cellsArray, index) => {
    const cells = Object.fromEntries(columns.map((c, i) => [c, (cellsArray[i] ?? '').trim()]));
    const problems: string[] = [];
    if (cellsArray.length > columns.length) problems.push(`${cellsArray.length} cells for ${columns.length} columns`);
    for (const [column, value] of Object.entries(cells))
      if (/^[=+\-@]/.test(value)) problems.push(`${column} starts like a spreadsheet formula`);
    if (!cells.script) problems.push('script is empty');
    else if (context.maxNarrationSeconds !== null && context.estimate(cells.script) > context.maxNarrationSeconds)
      problems.push(`script is longer than the plan's ${context.maxNarrationSeconds} s of narration`);
    if (!cells.video) problems.push('video is empty');
    else if (!context.readyVideos.has(cells.video))
      problems.push('video is not one of your uploaded videos (use its id)');
    if (cells.style && !context.styles.includes(cells.style))
      problems.push(`style must be one of ${context.styles.join(', ')}`);
    if (
      cells.voice &&
      !context.voices.includes(cells.voice) &&
      !context.voices.some((v) => v.startsWith(`${cells.voice}-`))
    )
      problems.push(`voice "${cells.voice}" is not in the catalogue`);
    if (cells.formats) {
      const bad = cells.formats.split(/[\s;|]+/).filter((f) => f && !ASPECTS.includes(f));
      if (bad.length) problems.push(`formats must be ${ASPECTS.join(', ')} (separated by spaces or ;)`);
    }
    if (cells.fit && !(FITS as readonly string[]).includes(cells.fit))
      problems.push(`fit must be one of ${FITS.join(', ')}`);
    return { number: index + 2, cells, problems };
  });
  return { columns, rows, fileProblems };
}

/** The API names problems "row 3: script"; group its messages by row number. */
export function problemsByRow(details: Array<{ field: string; message: string }>): Map<number, string[]> {
  const byRow = new Map<number, string[]>();
  for (const d of details) {
    const match = /^row (\d+)(?::\s*(.*))?$/.exec(d.field);
    if (!match) continue;
    const row = Number(match[1]);
    byRow.set(row, [...(byRow.get(row) ?? []), match[2] ? `${match[2]}: ${d.message}` : d.message]);
  }
  return byRow;
}
