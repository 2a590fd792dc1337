/**
 * The EventBus port (DESIGN §3): render state and progress between the render processes, the
 * control plane replicas and the browsers' SSE streams. Subjects are NATS-style
 * (`cutline.renders.<id>.state`), and patterns may use `*` (one token) and `>` (the rest).
 * Durability of state changes comes from the outbox (Postgres), not the bus.
 */
export interface BusMessage {
  subject: string;
  data: Record<string, unknown>;
}

export type Unsubscribe = () => void;

export interface EventBus {
  publish(subject: string, data: Record<string, unknown>): Promise<void>;
  subscribe(pattern: string, handler: (message: BusMessage) => void): Unsubscribe;
  /** Resolves when the bus answers (a round trip to the server, where there is one). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
