/**
 * An open-loop load generator: requests go out at a fixed arrival rate whether or not earlier
 * ones have been answered, and each one's latency counts from when it was due, not from when a
 * free connection sent it. A closed-loop client (autocannon's connections) waits for answers
 * before sending more, so a stall delays the requests it would have measured and hides itself
 * ("coordinated omission"); its latency also grows with the connection count by construction
 * (Little's law), which makes it the measure of a ceiling, not of latency at a given load.
 *
 * It shares the machine with what it measures, so it is lean: raw keep-alive sockets, requests
 * serialised once, answers framed by Content-Length: about a tenth of a core at 1,000/s. With
 * node:http's client it used about a quarter, and its collections stalled its own clock.
 */
import { connect, type Socket } from 'node:net';

export interface FixedRateOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  /** The measured window. */
  seconds: number;
  /**
   * Load at the same rate just before the measured window, not measured: the window then shows
   * the load sustained rather than its first seconds. Its failed answers still count (errors,
   * non2xx).
   */
  warmUpSeconds?: number;
  /** Keep-alive connections at most; requests beyond them wait for one (and that wait counts). */
  connections: number;
  /** Sent in turn: each one's headers and JSON body (POST to `url`). */
  requests: Array<{ headers: Record<string, string>; body: string }>;
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
  /** CPU this process used in the measured window (the generator's share of the machine). */
  clientCpuSeconds: number;
}

/** An answer's status, or undefined when the connection failed or the answer could not be framed. */
type OnAnswer = (status: number | undefined) => void;

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection with at most one request in flight. */
class Connection {
  private received: Buffer = Buffer.alloc(0);
  private onAnswer: OnAnswer | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(request: Buffer, onAnswer: OnAnswer): void {
    // Closed while idle: fail this request (asynchronously, as an answer would come) and let the caller open another.
    if (this.closed) return void queueMicrotask(() => onAnswer(undefined));
    this.onAnswer = onAnswer;
    this.socket.write(request);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const headEnd = this.received.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.received.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    // Every answer of the API carries Content-Length; one that does not cannot be framed here.
    if (!length) return this.close();
    const end = headEnd + HEAD_END.length + Number(length[1]);
    if (this.received.length < end) return;
    this.received = this.received.subarray(end);
    this.answer(Number(head.slice(9, 12)));
  }

  private answer(status: number | undefined): void {
    const onAnswer = this.onAnswer;
    this.onAnswer = undefined;
    onAnswer?.(status);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.answer(undefined);
  }
}

/** Set here; a second Content-Length would be refused by the server (400, connection closed). */
const OWN_HEADERS = new Set(['host', 'connection', 'content-length']);

/** Serialises each request once: they are sent unchanged thousands of times. */
function serialise(url: URL, requests: FixedRateOptions['requests']): Buffer[] {
  return requests.map(({ headers, body }) => {
    const lines = [
      `POST ${url.pathname}${url.search} HTTP/1.1`,
      `host: ${url.host}`,
      'connection: keep-alive',
      `content-length: ${Buffer.byteLength(body)}`,
    ];
    for (const [name, value] of Object.entries(headers))
      if (!OWN_HEADERS.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

export async function fixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const url = new URL(options.url);
  const requests = serialise(url, options.requests);
  const warmUp = Math.round(options.rate * (options.warmUpSeconds ?? 0));
  const total = warmUp + Math.round(options.rate * options.seconds);
  const latencies = new Float64Array(total - warmUp);
  let answered = 0;
  const worstBySecond: number[] = new Array<number>(Math.ceil(options.seconds)).fill(0);
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));

  // Opened before the clock starts, as autocannon does for the ceiling: a client at a steady
  // 1,000/s holds its connections, and opening 50 in the first second measured added 50–100 ms.
  const open = () => Connection.open(url.hostname, Number(url.port || 80));
  const idle: Connection[] = await Promise.all(Array.from({ length: options.connections }, open));
  const all = [...idle];
  /** Indexes of requests that came due while every connection was busy, oldest first. */
  const waiting: number[] = [];
  let nextWaiting = 0;
  let started = 0;
  const interval = 1000 / options.rate;
  const dueAt = (index: number) => started + index * interval;
  const measuredFrom = () => dueAt(warmUp);

  const send = (connection: Connection, index: number) => {
    connection.send(requests[index % requests.length]!, (status) => {
      if (status === undefined) errors++;
      else if (status < 200 || status > 299) non2xx++;
      if (status !== undefined && index >= warmUp) {
        const latency = performance.now() - dueAt(index);
        latencies[answered++] = latency;
        const second = Math.min(worstBySecond.length - 1, Math.floor((dueAt(index) - measuredFrom()) / 1000));
        worstBySecond[second] = Math.max(worstBySecond[second]!, Math.round(latency));
      }
      if (++settled === total) allSettled();
      if (!connection.closed) release(connection);
      else
        void open().then(
          (fresh) => (all.push(fresh), release(fresh)),
          () => undefined,
        );
    });
  };
  const release = (connection: Connection) => {
    if (nextWaiting < waiting.length) send(connection, waiting[nextWaiting++]!);
    else idle.push(connection);
  };

  let sent = 0;
  let cpuBefore: NodeJS.CpuUsage | undefined;
  started = performance.now();
  // A 1 ms tick sends every request that has come due; each keeps its own due time.
  const ticker = setInterval(() => {
    const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
    if (cpuBefore === undefined && due > warmUp) cpuBefore = process.cpuUsage();
    for (; sent < due; sent++) {
      const connection = idle.pop();
      if (connection) send(connection, sent);
      else waiting.push(sent);
    }
    if (sent === total) clearInterval(ticker);
  }, 1);
  await done;
  const elapsedSeconds = (performance.now() - measuredFrom()) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  for (const connection of all) connection.destroy();

  const sorted = latencies.subarray(0, answered).sort();
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return {
    offeredPerSecond: options.rate,
    answeredPerSecond: Math.round((answered / elapsedSeconds) * 10) / 10,
    requests: total - warmUp,
    non2xx,
    errors,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(sorted.at(-1) ?? NaN) },
    worstBySecondMs: worstBySecond,
    clientCpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
  };
}
