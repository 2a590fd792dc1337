/**
 * Server-Sent Events over fetch, because EventSource cannot send the Authorization header.
 * Reconnects after a drop with Last-Event-ID, so no state change is missed (the API replays
 * them); progress events are live only.
 */
import { accessToken } from './session';

export interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
  id?: string;
}

export function subscribe(path: string, onEvent: (event: ServerEvent) => void): () => void {
  const controller = new AbortController();
  let lastEventId: string | undefined;
  let retryMs = 2000;

  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const token = await accessToken();
        if (!token) throw new Error('signed out');
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (token) headers.authorization = `Bearer ${token}`;
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const response = await fetch(path, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const parsed = parseBlock(block);
            if (parsed.retry) retryMs = parsed.retry;
            if (parsed.event) {
              if (parsed.event.id) lastEventId = parsed.event.id;
              onEvent(parsed.event);
            }
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void run();
  return () => controller.abort();
}

export function parseBlock(block: string): { event?: ServerEvent; retry?: number } {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  let retry: number | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }
  if (data.length === 0) return retry ? { retry } : {};
  try {
    return {
      event: { event, data: JSON.parse(data.join('\n')) as Record<string, unknown>, ...(id ? { id } : {}) },
      ...(retry ? { retry } : {}),
    };
  } catch {
    return {};
  }
}
