import { describe, expect, it } from 'vitest';
import { CsvError, csvLine, decodeUtf8, looksLikeFormula, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('parses quotes, doubled quotes, embedded newlines and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n', 10)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', 'z'],
    ]);
  });

  it('skips blank lines and keeps empty fields', () => {
    expect(parseCsv('a,b,c\n\n1,,3\n', 10)).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
    ]);
  });

  it('refuses unclosed quotes and too many rows', () => {
    expect(() => parseCsv('a\n"open', 10)).toThrow(CsvError);
    expect(() => parseCsv('h\n' + '1\n'.repeat(20), 10)).toThrow(/more than 10 rows/);
  });
});

describe('decodeUtf8', () => {
  it('strips a BOM and refuses other encodings', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('a');
    expect(() => decodeUtf8(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).toThrow(/not UTF-8/); // Latin-1 "café"
  });
});

describe('looksLikeFormula', () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', true],
    ['+1+1', true],
    ['@SUM(A1)', true],
    ["-cmd|' /C calc'!A0", true],
    ['- a bullet point', false],
    ['- SUM(1)', true],
    ['\t=1', true],
    ['Hello = world', false],
    ['-5 degrees outside', false],
  ])('%j → %s', (cell, expected) => expect(looksLikeFormula(cell)).toBe(expected));
});

describe('csvLine', () => {
  it('quotes text, keeps numbers, and defuses formulas', () => {
    expect(csvLine(['plain', 3, 2.5, null, 'say "hi"'])).toBe('"plain",3,2.5,,"say ""hi"""');
    for (const cell of ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tcmd', '\rx'])
      expect(csvLine([cell])).toBe(`"'${cell.replace(/"/g, '""')}"`);
    // A negative number is a number, not a formula.
    expect(csvLine([-5])).toBe('-5');
  });

  it('round-trips through the parser as the same text', () => {
    const line = csvLine(['a,b', 'multi\nline', '=1+1']);
    expect(parseCsv(line, 10)).toEqual([['a,b', 'multi\nline', "'=1+1"]]);
  });
});
