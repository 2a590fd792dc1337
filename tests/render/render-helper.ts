/** Runs renders in-process for tests, collecting every event. */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  faceModelsDir,
  VoiceCatalogue,
  parseRenderSpec,
  runRender,
  type RenderEvent,
  type RenderOutcome,
} from '@cutline/render-job';
import type { RenderDeps } from '@cutline/render-job';

export interface TestRender {
  outcome: RenderOutcome;
  events: RenderEvent[];
  outDir: string;
}

/** Small, fast defaults: 480p, superfast. Tests override what they examine. */
export async function render(spec: Record<string, unknown>, deps: Partial<RenderDeps> = {}): Promise<TestRender> {
  const outDir =
    (spec.output as { destination?: string } | undefined)?.destination ??
    (await mkdtemp(join(tmpdir(), 'cutline-test-out-')));
  const events: RenderEvent[] = [];
  const full = parseRenderSpec({
    version: 1,
    maxResolution: 480,
    encoding: { preset: 'superfast' },
    ...spec,
    output: { destination: outDir, ...(spec.output as object | undefined) },
  });
  const outcome = await runRender(full, {
    catalogue: VoiceCatalogue.standard(),
    events: { emit: (e) => void events.push(e), close: async () => undefined },
    scratchDir: tmpdir(),
    faceModelsDir: faceModelsDir(),
    ...deps,
  });
  return { outcome, events, outDir };
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

export function expectOk(result: TestRender): Extract<RenderOutcome, { ok: true }>['manifest'] {
  if (!result.outcome.ok)
    throw new Error(`render failed: ${result.outcome.error.code} ${result.outcome.error.message}`);
  return result.outcome.manifest;
}
