import { describe, expect, it } from 'vitest';
import { buildFfmpegPlan, escapeFilterValue, type PlanOptions } from './filtergraph.js';

const base: PlanOptions = {
  videoPath: '/in/video.mp4',
  videoDuration: 20,
  videoHasAudio: true,
  narrationPath: '/s/narration.wav',
  narrationDuration: 12.5,
  formats: [
    { aspect: '9:16', outputPath: '/o/video-9x16.mp4', assPath: '/s/captions-9x16.ass' },
    { aspect: '1:1', outputPath: '/o/video-1x1.mp4', assPath: '/s/captions-1x1.ass' },
    { aspect: '16:9', outputPath: '/o/video-16x9.mp4', assPath: '/s/captions-16x9.ass' },
  ],
  maxResolution: 1080,
  fit: 'crop',
  extend: 'loop',
  fps: 30,
  audio: { original: 'duck', originalGainDb: -12 },
  encoding: { preset: 'veryfast', crf: 21 },
  thumbnailPath: '/o/thumbnail.jpg',
};

describe('escapeFilterValue', () => {
  it('escapes both filtergraph levels', () => {
    expect(escapeFilterValue("a'b:c")).toBe("a\\\\\\'b\\\\:c");
    expect(escapeFilterValue('x[1],y;z')).toBe('x\\[1\\]\\,y\\;z');
    expect(escapeFilterValue('/plain/path.ass')).toBe('/plain/path.ass');
    expect(escapeFilterValue('back\\slash')).toBe('back\\\\\\\\slash');
  });
});

describe('buildFfmpegPlan', () => {
  it('decodes once and splits to every format', () => {
    const plan = buildFfmpegPlan(base);
    expect(plan.inputs.map((i) => i.path)).toEqual(['/in/video.mp4', '/s/narration.wav']);
    expect(plan.filterComplex.match(/\[0:v\]/g)).toHaveLength(1);
    expect(plan.filterComplex).toContain('split=3[src0][src1][src2]');
    expect(plan.filterComplex).toContain('asplit=3[a0][a1][a2]');
    expect(plan.outputs.map((o) => [o.kind, o.width, o.height])).toEqual([
      ['video', 1080, 1920],
      ['video', 1080, 1080],
      ['video', 1920, 1080],
      ['thumbnail', 1080, 1920],
    ]);
  });

  it('encodes H.264 High yuv420p + AAC 48 kHz, faststart, exactly the narration length', () => {
    const [first] = buildFfmpegPlan(base).outputs;
    const opts = first!.options.join(' ');
    for (const expected of [
      '-c:v libx264',
      '-profile:v high',
      '-pix_fmt yuv420p',
      '-c:a aac',
      '-ar 48000',
      '-movflags +faststart',
      '-t 12.5',
    ]) {
      expect(opts).toContain(expected);
    }
  });

  it('loops a short source with -stream_loop, or freezes its last frame', () => {
    const looped = buildFfmpegPlan({ ...base, videoDuration: 3 });
    expect(looped.inputs[0]!.options).toEqual(['-stream_loop', '-1']);
    const frozen = buildFfmpegPlan({ ...base, videoDuration: 3, extend: 'freeze' });
    expect(frozen.inputs[0]!.options).toEqual([]);
    expect(frozen.filterComplex).toContain('tpad=stop_mode=clone');
    expect(buildFfmpegPlan(base).inputs[0]!.options).toEqual([]);
  });

  it('ducks the original audio under the voice, or drops it', () => {
    expect(buildFfmpegPlan(base).filterComplex).toMatch(/\[orig\]\[key0\]sidechaincompress/);
    const dropped = buildFfmpegPlan({ ...base, audio: { ...base.audio, original: 'drop' } });
    expect(dropped.filterComplex).not.toContain('[0:a]');
    const silent = buildFfmpegPlan({ ...base, videoHasAudio: false });
    expect(silent.filterComplex).not.toContain('[0:a]');
  });

  it('adds a ducked music bed on its own looped input', () => {
    const plan = buildFfmpegPlan({ ...base, audio: { ...base.audio, music: { path: '/in/music.mp3', gainDb: -18 } } });
    expect(plan.inputs[2]).toEqual({ path: '/in/music.mp3', options: ['-stream_loop', '-1'], kind: 'audio' });
    expect(plan.filterComplex).toContain('[music][key1]sidechaincompress');
    expect(plan.filterComplex).toContain('amix=inputs=3');
  });

  it('fits by crop, letterbox or blurred background', () => {
    expect(buildFfmpegPlan(base).filterComplex).toContain(
      'force_original_aspect_ratio=increase:force_divisible_by=2,crop=1080:1920',
    );
    expect(buildFfmpegPlan({ ...base, fit: 'letterbox' }).filterComplex).toContain('pad=1080:1920');
    expect(buildFfmpegPlan({ ...base, fit: 'blur' }).filterComplex).toMatch(
      /boxblur.*overlay=\(W-w\)\/2:\(H-h\)\/2\[fit0\]/,
    );
  });

  it('overlays the logo in every format at the requested corner and opacity', () => {
    const plan = buildFfmpegPlan({
      ...base,
      logo: { path: '/in/logo.png', position: 'bottom-left', opacity: 0.5, scale: 0.2 },
    });
    expect(plan.filterComplex).toContain('colorchannelmixer=aa=0.5,split=3[logo0][logo1][logo2]');
    expect(plan.filterComplex).toContain('[logo0]scale=216:-2');
    expect(plan.filterComplex).toMatch(/overlay=43:H-h-43/);
  });

  it('caps resolution by the short side', () => {
    const plan = buildFfmpegPlan({ ...base, maxResolution: 720 });
    expect(plan.outputs.slice(0, 3).map((o) => `${o.width}x${o.height}`)).toEqual(['720x1280', '720x720', '1280x720']);
  });

  it('escapes caption paths inside the graph', () => {
    const plan = buildFfmpegPlan({
      ...base,
      formats: [{ aspect: '1:1', outputPath: '/o/v.mp4', assPath: "/tmp/it's:[a],b;c.ass" }],
    });
    expect(plan.filterComplex).toContain("ass=filename=/tmp/it\\\\\\'s\\\\:\\[a\\]\\,b\\;c.ass");
  });
});
