import { describe, expect, it } from 'vitest';
import { RenderEventTokens } from './render-event-tokens.js';

describe('RenderEventTokens', () => {
  it('accepts a render’s own token only, and only with the same secret', () => {
    const tokens = new RenderEventTokens('a secret that is long enough to be one');
    const token = tokens.issue('render-a');
    expect(tokens.verify('render-a', token)).toBe(true);
    expect(tokens.verify('render-b', token)).toBe(false);
    expect(tokens.verify('render-a', undefined)).toBe(false);
    expect(tokens.verify('render-a', `${token}x`)).toBe(false);
    expect(new RenderEventTokens('another secret of the same length...').verify('render-a', token)).toBe(false);
  });
});
