/**
 * Runs a program with an argument vector (never a shell), feeding stdin and collecting stdout.
 * User text only ever travels through stdin or files, so nothing it contains is interpreted.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Bound on collected stdout, so a runaway program cannot exhaust memory. */
  maxOutputBytes?: number;
}

export class ProgramNotFoundError extends Error {
  constructor(readonly program: string) {
    super(`${program} is not installed or not on PATH`);
  }
}

export function runProgram(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const maxOutput = options.maxOutputBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) {
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new ProgramNotFoundError(program) : err);
    });
    child.on('close', (code, signal) => {
      if (size > maxOutput) {
        reject(new Error(`${program} wrote more than ${maxOutput} bytes`));
        return;
      }
      resolve({ stdout: Buffer.concat(chunks), stderr, code, signal });
    });
    child.stdin.on('error', () => {
      // The program may exit before reading all input; its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');
  });
}
