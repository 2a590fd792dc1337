import { describe, expect, it } from 'vitest';
import { parseBlock } from './sse';

describe('SSE parsing', () => {
  it('reads event, id and multi-line data', () => {
    expect(parseBlock('id: 42\nevent: state\ndata: {"renderId":"r",\ndata: "state":"running"}')).toEqual({
      event: { event: 'state', id: '42', data: { renderId: 'r', state: 'running' } },
    });
  });

  it('ignores comments (heartbeats) and keeps the retry hint', () => {
    expect(parseBlock(': keep-alive')).toEqual({});
    expect(parseBlock('retry: 2000')).toEqual({ retry: 2000 });
  });

  it('drops a block whose data is not JSON rather than throwing', () => {
    expect(parseBlock('data: {not json')).toEqual({});
  });
});
