import { describe, expect, it } from 'vitest';
import { parseCsv, previewCsv, problemsByRow } from './csv';
import { estimateNarrationSeconds } from '@cutline/contract';

const VIDEO = '0b6a3f0e-6b7c-4d7e-9a51-1f0c8f1d2e3a';
const context = {
  styles: ['clean', 'karaoke'],
  voices: ['espeak:en-us', 'espeak:fr-fr'],
  readyVideos: new Set([VIDEO]),
  maxNarrationSeconds: 30,
  estimate: estimateNarrationSeconds,
};

describe('batch CSV preview', () => {
  it('parses quotes, doubled quotes, commas and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, ""y""",z\n\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'z'],
    ]);
  });

  it('marks exactly the rows the API would refuse, with reasons', () => {
    const csv = [
      'script,video,voice,style,formats,title',
      `Fine row.,${VIDEO},espeak:en-us,clean,9:16;16:9,One`,
      `Bad style.,${VIDEO},,comic-sans,,Two`,
      `=HYPERLINK("x"),${VIDEO},,,,Three`,
      `Unknown video.,00000000-0000-4000-8000-000000000000,,,,Four`,
      `Bad format.,${VIDEO},,,4:3,Five`,
      `Bare language voice.,${VIDEO},espeak:fr,,,Six`,
      `${'word '.repeat(200)},${VIDEO},,,,Seven`,
    ].join('\n');
    const withFit = 'script,video,fit,title\n' + `Smart.,${VIDEO},smart,Eight\n` + `Zoom.,${VIDEO},zoom,Nine\n`;
    const fitProblems = previewCsv(withFit, context).rows.map((r) => r.problems);
    expect(fitProblems).toEqual([[], ['fit must be one of smart, crop, letterbox, blur']]);
    const preview = previewCsv(csv, context);
    expect(preview.fileProblems).toEqual([]);
    const problems = Object.fromEntries(preview.rows.map((r) => [r.cells.title, r.problems]));
    expect(problems.One).toEqual([]);
    expect(problems.Two).toEqual(['style must be one of clean, karaoke']);
    expect(problems.Three).toEqual(['script starts like a spreadsheet formula']);
    expect(problems.Four).toEqual(['video is not one of your uploaded videos (use its id)']);
    expect(problems.Five?.[0]).toMatch(/^formats must be/);
    expect(problems.Six).toEqual([]);
    expect(problems.Seven).toEqual(["script is longer than the plan's 30 s of narration"]);
    expect(preview.rows.map((r) => r.number)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('reports a wrong header instead of marking every row', () => {
    const preview = previewCsv('text,clip\nhello,x\n', context);
    expect(preview.fileProblems).toEqual([
      'The header has no "script" column.',
      'The header has no "video" column.',
      'Unknown columns: text, clip. Use script, video, voice, style, formats, fit, title, trim_start, trim_end.',
    ]);
  });

  it("groups the API's row problems by row number", () => {
    const byRow = problemsByRow([
      { field: 'row 3: style', message: 'must be one of …' },
      { field: 'row 3: voice', message: 'is not in the catalogue' },
      { field: 'row 5', message: 'has 7 cells for 6 columns' },
      { field: 'csv', message: 'whole file' },
    ]);
    expect([...byRow.entries()]).toEqual([
      [3, ['style: must be one of …', 'voice: is not in the catalogue']],
      [5, ['has 7 cells for 6 columns']],
    ]);
  });
});
