/**
 * An open-loop load generator: requests go out at a fixed arrival rate whether or not earlier
 * ones have been answered, and each one's latency counts from when it was due, not from when a
 * free connection sent it. A closed-loop client (autocannon's connections) waits for answers
 * before sending more, so a stall delays the requests it would have measured and hides itself
 * ("coordinated omission"); its latency also grows with the connection count by construction
 * (Little's law), which makes it the measure of a ceiling, not of latency at a given load.
 */
import { Agent, request } from 'node:http';

export interface FixedRateOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Keep-alive connections at most; requests beyond them wait for one (and that wait counts). */
  connections: number;
  /** The next request's headers and JSON body. */
  next: () => { headers: Record<string, string>; body: string };
}

export interface FixedRateResult {
  offeredPerSecond: number;
  answeredPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** The slowest answer among the requests due in each second: shows a stall apart from a spread. */
  worstBySecondMs: number[];
}

export async function fixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const worstBySecond: number[] = new Array<number>(Math.ceil(options.seconds)).fill(0);
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = () => {
    if (++settled === total) allSettled();
  };

  const send = (dueAt: number) => {
    const { headers, body } = options.next();
    let over = false;
    const finish = (failed: boolean) => {
      if (over) return;
      over = true;
      if (failed) errors++;
      else {
        const latency = performance.now() - dueAt;
        latencies.push(latency);
        const second = Math.min(worstBySecond.length - 1, Math.floor((dueAt - started) / 1000));
        worstBySecond[second] = Math.max(worstBySecond[second]!, Math.round(latency));
      }
      settle();
    };
    const req = request(options.url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) non2xx++;
      res.on('end', () => finish(false));
      res.on('error', () => finish(true));
      res.resume();
    });
    req.on('error', () => finish(true));
    req.end(body);
  };

  const started = performance.now();
  const interval = 1000 / options.rate;
  // A 1 ms tick sends every request that has come due; each keeps its own due time.
  const ticker = setInterval(() => {
    const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
    for (; sent < due; sent++) send(started + sent * interval);
    if (sent === total) clearInterval(ticker);
  }, 1);
  await done;
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
  return {
    offeredPerSecond: options.rate,
    answeredPerSecond: Math.round((latencies.length / elapsedSeconds) * 10) / 10,
    requests: total,
    non2xx,
    errors,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(latencies.at(-1) ?? NaN) },
    worstBySecondMs: worstBySecond,
  };
}
