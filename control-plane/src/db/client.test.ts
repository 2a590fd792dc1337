import { describe, expect, it } from 'vitest';
import { preparedStatementNames } from './client.js';

const statement = (sql: string) => ({ sql, args: [], argTypes: [] }) as never;

describe('preparedStatementNames', () => {
  it('gives one SQL text one name, and different texts different names', () => {
    const name = preparedStatementNames();
    const first = name(statement('SELECT 1'));
    expect(first).toMatch(/^cutline_[\w-]+$/);
    expect(name(statement('SELECT 1'))).toBe(first);
    expect(name(statement('SELECT 2'))).not.toBe(first);
  });

  it('stops naming new texts at the cap, so a connection never prepares more than that', () => {
    const name = preparedStatementNames(2);
    const a = name(statement('SELECT 1'));
    name(statement('SELECT 2'));
    expect(name(statement('SELECT 3'))).toBeUndefined();
    expect(name(statement('SELECT 1'))).toBe(a);
  });
});
