/**
 * Schema defaults applied by a function built once per schema, with exactly the result of
 * typebox's `Value.Default`, which walks the schema on every call and, for every union (each
 * `Literals` field), clones and checks the value against each member: about 37 µs per spec,
 * a tenth of the API's CPU per submission. Objects and arrays are walked by precompiled
 * code; a union, or any other kind, whose members hold no default leaves its value alone
 * (that is what `Value.Default` does to it), and one that does hold defaults falls back to
 * `Value.Default` for that part.
 */
import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';

type ApplyDefaults = (value: unknown) => unknown;

const identity: ApplyDefaults = (value) => value;

/** What typebox treats as an object here: arrays too (a wrong type the check refuses later). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** True when the schema, or anything inside it, declares a default. */
function holdsDefaults(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && ('default' in schema || membersHoldDefaults(schema));
}

/** True when anything inside the schema (not the schema itself) declares a default. */
function membersHoldDefaults(schema: object): boolean {
  return Object.entries(schema).some(
    ([key, inner]) => key !== 'default' && (Array.isArray(inner) ? inner.some(holdsDefaults) : holdsDefaults(inner)),
  );
}

/** Compiles the defaults of `schema` into a function that fills them in, in place where it can. */
export function compileDefaults(schema: TSchema): ApplyDefaults {
  const own = 'default' in schema ? (schema as { default: unknown }).default : undefined;
  const withDefault = (inner: ApplyDefaults): ApplyDefaults =>
    own === undefined
      ? inner
      : (value) =>
          inner(
            value === undefined ? (typeof own === 'function' ? (own as () => unknown)() : Value.Clone(own)) : value,
          );

  if (Type.IsObject(schema)) {
    const properties = Object.entries(schema.properties as Record<string, TSchema>).map(([key, property]) => ({
      key,
      apply: compileDefaults(property),
      // Value.Default never assigns undefined to an optional property, nor to one without a default.
      assignsUndefined: !Type.IsOptional(property) && 'default' in property,
    }));
    const extra: unknown = (schema as { additionalProperties?: unknown }).additionalProperties;
    const walk: ApplyDefaults =
      typeof extra === 'object' && holdsDefaults(extra)
        ? (value) => Value.Default(schema, value)
        : (value) => {
            if (!isObject(value)) return value;
            for (const { key, apply, assignsUndefined } of properties) {
              const result = apply(value[key]);
              if (result !== undefined || assignsUndefined) value[key] = result;
            }
            return value;
          };
    return withDefault(walk);
  }
  if (Type.IsArray(schema)) {
    const item = compileDefaults(schema.items as TSchema);
    return withDefault((value) => {
      if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = item(value[i]);
      return value;
    });
  }
  // Unions, records, intersections and the rest: left alone unless a member holds defaults.
  return membersHoldDefaults(schema) ? (value) => Value.Default(schema, value) : withDefault(identity);
}
