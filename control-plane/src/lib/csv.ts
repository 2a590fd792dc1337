/**
 * RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, a UTF-8 BOM. Bytes that are not
 * UTF-8 are refused rather than guessed at.
 */
export class CsvError extends Error {
  constructor(
    readonly code: 'CUTLINE_CSV_ENCODING' | 'CUTLINE_CSV_SYNTAX',
    message: string,
  ) {
    super(message);
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CsvError('CUTLINE_CSV_ENCODING', 'The CSV is not UTF-8 text. Save it as "CSV UTF-8" and try again.');
  }
}

/** Parses CSV text into rows of fields; stops with CUTLINE_CSV_SYNTAX past maxRows + 1 lines. */
export function parseCsv(text: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    if (rows.length > maxRows + 1) throw new CsvError('CUTLINE_CSV_SYNTAX', `The CSV has more than ${maxRows} rows.`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new CsvError('CUTLINE_CSV_SYNTAX', 'A quoted field is never closed.');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/**
 * Cells a spreadsheet would run as a formula (CSV injection, OWASP): a leading =, +, @, tab or
 * CR, and a leading - unless it reads as prose ("- a point", "-5 degrees").
 */
export function looksLikeFormula(cell: string): boolean {
  return /^[=+@\t\r]/.test(cell) || /^-[^\s\d]/.test(cell) || /^-\s*[A-Za-z_]+\s*\(/.test(cell);
}

/**
 * One line of a CSV export. Numbers stay numbers; every text cell is quoted, and one a
 * spreadsheet would run as a formula (any leading =, +, -, @, tab or CR) starts with an
 * apostrophe, so it opens as the text it is.
 */
export function csvLine(cells: ReadonlyArray<string | number | null | undefined>): string {
  return cells
    .map((cell) => {
      if (cell === null || cell === undefined) return '';
      if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
      const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
      return `"${text.replace(/"/g, '""')}"`;
    })
    .join(',');
}
