/**
 * Piper neural voices (VITS: an `.onnx` model and its `.onnx.json`) run in-process with
 * onnxruntime-node, fully offline. Phonemes come from espeak-ng, as Piper's own do, one clause
 * at a time so each clause keeps its punctuation (Piper turns `,` `.` `?` `!` into pauses and
 * intonation; espeak's `--ipa` output drops them).
 *
 * Word timing is the voice's own: the graph computes every phoneme's duration in frames before
 * it makes audio, and a voice installed by `make tools` exposes it (`/Ceil_output_0`).
 * Durations × the hop (256 samples) add up to the audio, so a word starts and ends where its
 * phonemes do, exactly.
 *
 * A voice whose graph `make tools` has also cut at that node (`<voice>.parts/`: timing.onnx and
 * audio.onnx) can plan a clip: its length and word timing from the cheap first part, its audio
 * from the second part later, while ffmpeg already encodes (plan()).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RenderError } from '../errors.js';
import { ProgramNotFoundError, runProgram } from '../run-process.js';
import type { PlannedSynthesis, Synthesis, SynthesisRequest, TtsEngine, Voice, WordTiming } from './engine.js';
import type { Pcm } from './pcm.js';
import { sampleTextFor } from './sample-text.js';

/** Samples per frame of the VITS decoder (the voices' hop length). */
const HOP = 256;
const DURATIONS_OUTPUT = '/Ceil_output_0';
const CLAUSE = /([^,.;:!?]*)([,.;:!?]+|$)/g;

interface VoiceConfig {
  audio: { sample_rate: number };
  espeak: { voice: string };
  inference?: { noise_scale?: number; length_scale?: number; noise_w?: number };
  phoneme_id_map: Record<string, number[]>;
  language?: { code?: string; name_english?: string; country_english?: string };
  dataset?: string;
}

interface LoadedVoice {
  voice: Voice;
  modelPath: string;
  config: VoiceConfig;
  /** The graph cut at its durations, when installed (split_piper_voice in scripts/tools.sh). */
  parts?: { timing: string; audio: string } | undefined;
}

type Tensor = { data: Float32Array | BigInt64Array; dims: readonly number[] };
type Session = {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, Tensor>>;
};

export interface PhonemeRun {
  audio: Float32Array;
  /** Frames per phoneme id, when the voice exposes them. */
  durations: Float32Array | undefined;
  sampleRate: number;
}

export class PiperEngine implements TtsEngine {
  readonly id = 'piper' as const;
  private cached: Promise<LoadedVoice[]> | undefined;
  private readonly sessions = new Map<string, Promise<Session>>();

  constructor(
    private readonly voicesDir: string | undefined,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`cutline-render: ${line}\n`),
    private readonly espeak = 'espeak-ng',
  ) {}

  async voices(): Promise<Voice[]> {
    this.cached ??= this.scan();
    return (await this.cached).map((v) => v.voice);
  }

  async synthesize(request: SynthesisRequest): Promise<Synthesis> {
    const loaded = await this.installed(request.voice.id);
    const { ids, words } = await this.phonemes(loaded, request);
    const run = await this.infer(loaded, ids, request.rate);
    const pcm = toPcm(run.audio, run.sampleRate);
    const textWords = request.text.split(/\s+/).filter(Boolean);
    // The voice's own timing where its words are the script's; otherwise the estimate.
    const timed =
      run.durations && words.length === textWords.length
        ? wordTimes(words, startFrames(run.durations), run.sampleRate, textWords)
        : undefined;
    return timed ? { pcm, words: timed } : { pcm };
  }

  /**
   * The clip's timing from the timing part of the graph now; its audio from the audio part when
   * render() is called, from the tensors the first part handed over (the randomness of the
   * duration predictor is spent once, so the audio has exactly the planned length).
   */
  async plan(request: SynthesisRequest): Promise<PlannedSynthesis | undefined> {
    const loaded = await this.installed(request.voice.id);
    const parts = loaded.parts;
    if (!parts) return undefined;
    const { ids, words } = await this.phonemes(loaded, request);
    const feeds = await this.feeds(loaded, ids, request.rate);
    let handed: Record<string, Tensor> | undefined = await runVoice(await this.session(parts.timing, 1), feeds);
    const durations = handed[DURATIONS_OUTPUT]!.data as Float32Array;
    const sampleRate = loaded.config.audio.sample_rate;
    const frames = startFrames(durations);
    const samples = frames[durations.length]! * HOP;
    const textWords = request.text.split(/\s+/).filter(Boolean);
    const planned: PlannedSynthesis = {
      sampleRate,
      samples,
      voiced: { start: frames[words[0]!.from]! * HOP, end: frames[words.at(-1)!.to]! * HOP },
      render: async () => {
        if (!handed) throw new Error('PlannedSynthesis.render: called twice');
        const session = await this.session(parts.audio, 1);
        const from = { ...feeds, ...handed };
        handed = undefined;
        const out = await runVoice(session, Object.fromEntries(session.inputNames.map((n) => [n, from[n]])));
        const audio = out[session.outputNames[0]!]!.data as Float32Array;
        if (audio.length !== samples)
          throw new RenderError('CUTLINE_TTS_FAILED', `The Piper voice made ${audio.length} samples, not ${samples}.`);
        return toPcm(audio, sampleRate);
      },
    };
    if (words.length === textWords.length) planned.words = wordTimes(words, frames, sampleRate, textWords);
    return planned;
  }

  private async installed(id: string): Promise<LoadedVoice> {
    const loaded = await this.loaded(id);
    if (!loaded) throw new RenderError('CUTLINE_VOICE_UNKNOWN', `No Piper voice ${id} is installed.`);
    return loaded;
  }

  private async phonemes(
    loaded: LoadedVoice,
    request: SynthesisRequest,
  ): Promise<{ ids: number[]; words: Array<{ from: number; to: number }> }> {
    const clauses = await this.phonemize(request.text, loaded.config.espeak.voice, request.signal);
    const found = phonemeIds(clauses, loaded.config.phoneme_id_map);
    if (found.words.length === 0) throw new RenderError('CUTLINE_SCRIPT_EMPTY', 'The script has nothing to say.');
    return found;
  }

  /** The model's inputs: phoneme ids, their count, and the scales (noise, length from the rate, noise width). */
  private async feeds(loaded: LoadedVoice, ids: number[], rate: number): Promise<Record<string, unknown>> {
    const ort = await import('onnxruntime-node');
    const inference = loaded.config.inference ?? {};
    return {
      input: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor(
        'float32',
        Float32Array.from([
          inference.noise_scale ?? 0.667,
          (inference.length_scale ?? 1) / Math.max(0.25, rate),
          inference.noise_w ?? 0.8,
        ]),
        [3],
      ),
    };
  }

  /** Runs the model on phoneme ids (exposed for tests: the durations add up to the audio). */
  async infer(loaded: LoadedVoice, ids: number[], rate = 1): Promise<PhonemeRun> {
    const session = await this.session(loaded.modelPath, 2);
    const out = await runVoice(session, await this.feeds(loaded, ids, rate));
    const durations = session.outputNames.includes(DURATIONS_OUTPUT)
      ? (out[DURATIONS_OUTPUT]!.data as Float32Array)
      : undefined;
    return { audio: out.output!.data as Float32Array, durations, sampleRate: loaded.config.audio.sample_rate };
  }

  /** Loads what a render will use: the two parts where installed, else the whole model. */
  async prepare(voice: Voice): Promise<void> {
    const loaded = await this.loaded(voice.id);
    if (!loaded) return;
    if (loaded.parts) await Promise.all([this.session(loaded.parts.timing, 1), this.session(loaded.parts.audio, 1)]);
    else await this.session(loaded.modelPath, 2);
  }

  /** The installed voice of this id, for infer(). */
  async loaded(id: string): Promise<LoadedVoice | undefined> {
    return (await (this.cached ??= this.scan())).find((v) => v.voice.id === id);
  }

  /**
   * One session per model file. The whole model runs on two threads; the parts on one each: a
   * plan runs several clips at once, and the audio part shares the cores with ffmpeg, where a
   * second thread costs more CPU than it saves time.
   */
  private session(modelPath: string, threads: 1 | 2): Promise<Session> {
    let session = this.sessions.get(modelPath);
    if (!session) {
      session = (async () => {
        try {
          await stat(modelPath);
        } catch {
          throw new RenderError('CUTLINE_TTS_UNAVAILABLE', `The voice file ${modelPath} is gone.`);
        }
        const ort = await import('onnxruntime-node');
        try {
          return (await ort.InferenceSession.create(modelPath, {
            intraOpNumThreads: threads,
            interOpNumThreads: 1,
            // Sentences differ in length: a memory plan fitted to the longest one seen is held for
            // all the rest, so allocating per run keeps the peak lower at no cost in speed.
            enableMemPattern: false,
          })) as unknown as Session;
        } catch (err) {
          throw new RenderError(
            'CUTLINE_TTS_FAILED',
            `The voice file ${modelPath} does not load: ${(err as Error).message}`,
            undefined,
            { cause: err },
          );
        }
      })();
      session.catch(() => this.sessions.delete(modelPath));
      this.sessions.set(modelPath, session);
    }
    return session;
  }

  /**
   * Every voice with a readable model and a usable JSON in the directories (a `:` list, like
   * PATH; the first of two voices of one name wins); a bad one is skipped with a warning.
   */
  private async scan(): Promise<LoadedVoice[]> {
    const voices: LoadedVoice[] = [];
    for (const dir of (this.voicesDir ?? '').split(':').filter(Boolean)) {
      for (const voice of await this.scanDir(dir))
        if (!voices.some((v) => v.voice.id === voice.voice.id)) voices.push(voice);
    }
    return voices;
  }

  private async scanDir(dir: string): Promise<LoadedVoice[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const voices: LoadedVoice[] = [];
    for (const name of names.filter((n) => n.endsWith('.onnx')).sort()) {
      const modelPath = join(dir, name);
      try {
        const info = await stat(modelPath);
        if (info.size < 1024) throw new Error('the model file is empty');
        const config = JSON.parse(await readFile(`${modelPath}.json`, 'utf8')) as VoiceConfig;
        if (!config.phoneme_id_map || typeof config.phoneme_id_map !== 'object')
          throw new Error('its JSON has no phoneme_id_map');
        if (!config.audio?.sample_rate || !config.espeak?.voice)
          throw new Error('its JSON names no sample rate or espeak voice');
        voices.push({
          voice: voiceOf(basename(name, '.onnx'), config),
          modelPath,
          config,
          parts: await partsOf(modelPath),
        });
      } catch (err) {
        this.warn(`Piper voice ${modelPath} left out: ${(err as Error).message}`);
      }
    }
    return voices;
  }

  /**
   * IPA per clause, each clause with its punctuation. One espeak-ng run reads every clause, a
   * blank line between them, and answers a line each; when the lines do not match the clauses
   * (espeak found a break of its own, or a clause says nothing), each clause is read on its own.
   */
  private async phonemize(
    text: string,
    voice: string,
    signal?: AbortSignal,
  ): Promise<Array<{ ipa: string; punctuation: string }>> {
    const clauses = [...text.matchAll(CLAUSE)]
      .map((m) => ({ words: m[1]!.trim(), punctuation: m[2]!.slice(0, 1) }))
      .filter((c) => c.words);
    if (clauses.length === 0) return [];
    const lines = (await this.espeakIpa(clauses.map((c) => c.words).join('\n\n'), voice, signal))
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    if (lines.length === clauses.length) return clauses.map((c, i) => ({ ipa: lines[i]!, punctuation: c.punctuation }));
    const read: Array<{ ipa: string; punctuation: string }> = [];
    for (const clause of clauses) {
      const ipa = (await this.espeakIpa(clause.words, voice, signal)).replace(/\s+/g, ' ').trim();
      if (ipa) read.push({ ipa, punctuation: clause.punctuation });
    }
    return read;
  }

  private async espeakIpa(input: string, voice: string, signal?: AbortSignal): Promise<string> {
    try {
      const result = await runProgram(this.espeak, ['-q', '--ipa', '-b', '1', '-v', voice, '--stdin'], {
        input,
        timeoutMs: 30_000,
        ...(signal ? { signal } : {}),
      });
      return result.stdout.toString('utf8');
    } catch (err) {
      if (err instanceof ProgramNotFoundError)
        throw new RenderError(
          'CUTLINE_TTS_UNAVAILABLE',
          'espeak-ng (Piper voices use it for phonemes) is not installed.',
        );
      throw err;
    }
  }
}

function voiceOf(name: string, config: VoiceConfig): Voice {
  const language = (config.language?.code ?? config.espeak.voice).replace('_', '-');
  const where = config.language?.country_english ? ` (${config.language.country_english})` : '';
  return {
    id: `piper:${name}`,
    engine: 'piper',
    name,
    language,
    label: `${config.language?.name_english ?? language}${where} · ${config.dataset ?? name} (Piper, neural)`,
    gender: 'neutral',
    sampleText: sampleTextFor(language.toLowerCase()),
  };
}

/** Piper's id sequence: ^, then each phoneme followed by the pad _, then $; words remembered as id ranges. */
export function phonemeIds(
  clauses: ReadonlyArray<{ ipa: string; punctuation: string }>,
  map: Record<string, number[]>,
): { ids: number[]; words: Array<{ from: number; to: number }> } {
  const ids: number[] = [...(map['^'] ?? [1]), ...(map['_'] ?? [0])];
  const words: Array<{ from: number; to: number }> = [];
  const push = (symbol: string) => {
    const found = map[symbol];
    if (!found) return;
    ids.push(...found, ...(map['_'] ?? [0]));
  };
  clauses.forEach((clause, c) => {
    clause.ipa.split(' ').forEach((word, w) => {
      if (w > 0) push(' ');
      const from = ids.length;
      for (const symbol of [...word.normalize('NFD')]) push(symbol);
      if (ids.length > from) words.push({ from, to: ids.length });
    });
    if (clause.punctuation) push(clause.punctuation);
    if (c < clauses.length - 1) push(' ');
  });
  ids.push(...(map['$'] ?? [2]));
  return { ids, words };
}

/** The two parts of a voice's graph next to its model, when both are there. */
async function partsOf(modelPath: string): Promise<LoadedVoice['parts']> {
  const dir = `${modelPath.slice(0, -'.onnx'.length)}.parts`;
  const parts = { timing: join(dir, 'timing.onnx'), audio: join(dir, 'audio.onnx') };
  const sizes = await Promise.all(
    [stat(parts.timing), stat(parts.audio)].map((s) =>
      s.then(
        (i) => i.size,
        () => 0,
      ),
    ),
  );
  return sizes.every((size) => size >= 1024) ? parts : undefined;
}

async function runVoice(session: Session, feeds: Record<string, unknown>): Promise<Record<string, Tensor>> {
  try {
    return await session.run(feeds);
  } catch (err) {
    throw new RenderError('CUTLINE_TTS_FAILED', `The Piper voice failed: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
}

/** The frame each phoneme starts at, and the total at the end. */
function startFrames(durations: Float32Array): Float64Array {
  const startFrame = new Float64Array(durations.length + 1);
  for (let i = 0; i < durations.length; i++) startFrame[i + 1] = startFrame[i]! + durations[i]!;
  return startFrame;
}

/** Start and end of each word from the frames its phoneme ids start at (startFrames). */
function wordTimes(
  words: ReadonlyArray<{ from: number; to: number }>,
  startFrame: Float64Array,
  sampleRate: number,
  texts: readonly string[],
): WordTiming[] {
  const seconds = (frames: number) => Math.round(((frames * HOP) / sampleRate) * 1000) / 1000;
  return words.map((w, i) => ({
    text: texts[i]!,
    start: seconds(startFrame[w.from]!),
    end: seconds(startFrame[w.to]!),
  }));
}

function toPcm(audio: Float32Array, sampleRate: number): Pcm {
  const samples = new Int16Array(audio.length);
  let peak = 0;
  for (const v of audio) peak = Math.max(peak, Math.abs(v));
  // Piper's own output step (audio_float_to_int16): scale to the loudest sample.
  const gain = 32767 / Math.max(0.01, peak);
  for (let i = 0; i < audio.length; i++) samples[i] = Math.max(-32768, Math.min(32767, Math.round(audio[i]! * gain)));
  return { sampleRate, samples };
}
