/** Runs programs for the benchmarks: quietly, and timed in wall-clock seconds. */
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function sh(program: string, args: string[]): void {
  execFileSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function timed(program: string, args: string[]): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited ${code}: ${stderr}`))));
  });
  return (performance.now() - started) / 1000;
}
