/**
 * Environment variables as one TypeBox schema per program (control-plane/src/config.ts,
 * render-job/src/config.ts). Every value is a string in the environment; these types say
 * which strings are allowed and what they decode to, with one syntax each for integers,
 * booleans (true | false) and durations (a number and a unit: 500ms, 30s, 15m, 2h, 7d).
 */
import Type, { type StaticDecode, type TObject, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';

export class EnvError extends Error {}

const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function inRange(value: number, min: number, max: number, shown: (n: number) => string): number {
  if (value < min || value > max) throw new EnvError(`must be from ${shown(min)} to ${shown(max)}`);
  return value;
}

/** Milliseconds as the duration syntax, in the largest unit that is exact. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of Object.entries(UNITS_MS).reverse())
    if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export interface EnvOptions<T> {
  description: string;
  default?: T;
}

/** An integer from `min` to `max`. */
export function EnvInteger(min: number, max: number, options: EnvOptions<number>) {
  return Type.Codec(
    Type.String({
      pattern: '^-?\\d+$',
      description: `${options.description} (an integer from ${min} to ${max})`,
      ...(options.default !== undefined ? { default: String(options.default) } : {}),
    }),
  )
    .Decode((raw) => inRange(Number(raw), min, max, String))
    .Encode((n) => String(n));
}

/** A duration (`30s`, `15m`, `7d`), decoded to milliseconds, from `min` to `max` ms. */
export function EnvDuration(minMs: number, maxMs: number, options: EnvOptions<number>) {
  return Type.Codec(
    Type.String({
      pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$',
      description: `${options.description} (a duration such as 30s, 15m or 7d, from ${formatDuration(minMs)} to ${formatDuration(maxMs)})`,
      ...(options.default !== undefined ? { default: formatDuration(options.default) } : {}),
    }),
  )
    .Decode((raw) => {
      const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw)!;
      return inRange(
        Math.round(Number(amount) * UNITS_MS[unit as keyof typeof UNITS_MS]),
        minMs,
        maxMs,
        formatDuration,
      );
    })
    .Encode(formatDuration);
}

/** `true` or `false`. */
export function EnvBoolean(options: EnvOptions<boolean>) {
  return Type.Codec(
    Type.Enum(['true', 'false'], {
      description: `${options.description} (true or false)`,
      ...(options.default !== undefined ? { default: String(options.default) } : {}),
    }),
  )
    .Decode((raw) => raw === 'true')
    .Encode((b) => (b ? 'true' : 'false'));
}

/** One of `values`. */
export function EnvEnum<const T extends readonly string[]>(values: T, options: EnvOptions<T[number]>) {
  return Type.Unsafe<T[number]>(
    Type.Enum([...values], {
      description: `${options.description} (one of ${values.join(', ')})`,
      ...(options.default !== undefined ? { default: options.default } : {}),
    }),
  );
}

/** A URL of one of `schemes` (`http`, `https`, `postgresql`, …). */
export function EnvUrl(schemes: readonly string[], options: EnvOptions<string>) {
  return Type.String({
    pattern: `^(${schemes.join('|')})://\\S+$`,
    description: `${options.description} (a ${schemes.join(' or ')} URL)`,
    ...(options.default !== undefined ? { default: options.default } : {}),
  });
}

/** Free text; `minLength` for secrets. */
export function EnvString(options: EnvOptions<string> & { minLength?: number }) {
  return Type.String({
    description: options.description,
    ...(options.minLength ? { minLength: options.minLength } : {}),
    ...(options.default !== undefined ? { default: options.default } : {}),
  });
}

function explain(name: string, schema: TSchema | undefined, raw: unknown, problem: string): string {
  const description = (schema as { description?: string } | undefined)?.description;
  return `${name}${description ? ` — ${description} —` : ''} ${problem} (got "${String(raw)}")`;
}

/**
 * The variables `schema` names, read from `env` (empty counts as unset), defaults applied,
 * checked and decoded; an EnvError names the first bad variable and what it takes.
 */
export function readEnv<S extends TObject>(schema: S, env: Record<string, string | undefined>): StaticDecode<S> {
  const values: Record<string, string> = {};
  for (const name of Object.keys(schema.properties)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') values[name] = raw;
  }
  const withDefaults = Value.Default(schema, values) as Record<string, unknown>;
  const check = Compile(schema);
  const error = [...check.Errors(withDefaults)][0];
  if (error) {
    const name = error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    const problem = error.keyword === 'pattern' || error.keyword === 'enum' ? 'is not of that form' : error.message;
    throw new EnvError(explain(name, schema.properties[name], withDefaults[name], problem));
  }
  try {
    return Value.Decode(schema, withDefaults) as StaticDecode<S>;
  } catch (err) {
    // A codec refused the value (out of range): find which one, to name it.
    for (const [name, property] of Object.entries(schema.properties)) {
      if (withDefaults[name] === undefined) continue;
      try {
        Value.Decode(property as TSchema, withDefaults[name]);
      } catch (inner) {
        const cause = (inner as { cause?: unknown }).cause ?? inner;
        throw new EnvError(explain(name, property as TSchema, withDefaults[name], (cause as Error).message));
      }
    }
    throw err;
  }
}
