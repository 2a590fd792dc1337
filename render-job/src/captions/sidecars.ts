/** SRT, WebVTT and word-timing JSON sidecars, from the same timed segments as the ASS file. */
import { segmentLines, joinTokens } from '../text/segment.js';
import type { TimedSegment } from '../tts/narration.js';

function clock(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${separator}${String(ms % 1000).padStart(3, '0')}`;
}

function cueEnd(segments: readonly TimedSegment[], i: number, duration: number): number {
  return segments[i + 1]?.start ?? duration;
}

export function buildSrt(segments: readonly TimedSegment[], duration: number): string {
  return segments
    .map((segment, i) => {
      const text = segmentLines(segment.segment).map(joinTokens).join('\n');
      return `${i + 1}\n${clock(segment.start, ',')} --> ${clock(cueEnd(segments, i, duration), ',')}\n${text}\n`;
    })
    .join('\n');
}

/** WebVTT cue text must escape &, < and > (they start entities and tags). */
export function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function buildVtt(segments: readonly TimedSegment[], duration: number): string {
  const cues = segments.map((segment, i) => {
    const text = segmentLines(segment.segment)
      .map((line) => escapeVtt(joinTokens(line)))
      .join('\n');
    return `${clock(segment.start, '.')} --> ${clock(cueEnd(segments, i, duration), '.')}\n${text}\n`;
  });
  return `WEBVTT\n\n${cues.join('\n')}`;
}

export interface WordTimingDocument {
  version: 1;
  duration: number;
  segments: Array<{
    index: number;
    start: number;
    end: number;
    text: string;
    words: Array<{ text: string; start: number; end: number }>;
  }>;
}

export function buildWordTimings(segments: readonly TimedSegment[], duration: number): WordTimingDocument {
  return {
    version: 1,
    duration: Math.round(duration * 1000) / 1000,
    segments: segments.map((s) => ({ index: s.index, start: s.start, end: s.end, text: s.text, words: s.words })),
  };
}
