/**
 * The embedded launcher: a pool of child processes, each running the render-job CLI with the
 * render's spec and reading its JSON-lines events from stdout. Spawned with an argument
 * vector, never a shell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RenderEvent } from '@cutline/render-job';
import type { Launcher, LaunchHandlers } from './launcher.js';

/** The render-job package's CLI, found from wherever the package resolves (src or dist). */
export function renderJobBin(): string {
  const entry = fileURLToPath(import.meta.resolve('@cutline/render-job'));
  return join(dirname(dirname(entry)), 'bin', 'cutline-render.js');
}

export class LocalLauncher implements Launcher {
  private readonly running = new Map<string, ChildProcess>();

  constructor(
    private readonly poolSize: number,
    /** The render process's whole environment (PATH, object-store credentials): nothing else leaks in. */
    private readonly env: Record<string, string>,
    private readonly bin: string = renderJobBin(),
  ) {}

  freeSlots(): number {
    return Math.max(0, this.poolSize - this.running.size);
  }

  async launch(render: { id: string; spec: unknown }, handlers: LaunchHandlers): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-launch-'));
    const specPath = join(dir, 'spec.json');
    await writeFile(specPath, JSON.stringify(render.spec), { mode: 0o600 });
    const child = spawn(process.execPath, [this.bin, '--spec', specPath, '--events', 'stdout', '--exit-with-parent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env,
    });
    this.running.set(render.id, child);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        handlers.onEvent(JSON.parse(line) as RenderEvent);
      } catch {
        // Not an event line; the render's own output is diagnostics only.
      }
    });
    child.on('close', (code) => {
      this.running.delete(render.id);
      void rm(dir, { recursive: true, force: true });
      handlers.onExit(code);
    });
    child.on('error', () => undefined);
  }

  stop(renderId: string): void {
    this.running.get(renderId)?.kill('SIGTERM');
  }

  async close(): Promise<void> {
    const exits = [...this.running.values()].map((child) => new Promise((resolve) => child.once('close', resolve)));
    for (const child of this.running.values()) child.kill('SIGTERM');
    await Promise.all(exits);
  }
}
