/**
 * Just enough of a tool's parameter schema to misbehave with it: arguments it accepts (for a call a fault
 * makes up) and arguments that break it (the bad-args fault). The vendors declare parameters as JSON Schema
 * (OpenAI `parameters`, Anthropic `input_schema`, Gemini `parametersJsonSchema`) or as Gemini's OpenAPI
 * subset (`parameters`, types in capitals: `OBJECT`, `STRING`), so a type is read in either case. This is
 * not a validator: it reads `type`, `properties`, `required`, `enum`, `const`, `anyOf` / `oneOf` and nothing else.
 */

type Schema = Readonly<Record<string, unknown>>

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A schema's type in lower case (the first that is not null, for a list of types), if it names one. */
function typeOf(schema: Schema): string | undefined {
  const type: unknown = Array.isArray(schema['type']) ? schema['type'].find((t) => t !== 'null' && t !== 'NULL') : schema['type']
  if (typeof type === 'string') return type.toLowerCase()
  return isObject(schema['properties']) ? 'object' : undefined
}

/** Arguments the schema accepts: every declared property with a plain value of its type. */
export function sampleArguments(schema: unknown): Record<string, unknown> {
  const value = sample(schema, 0)
  return isObject(value) ? { ...value } : {}
}

function sample(schema: unknown, depth: number): unknown {
  if (!isObject(schema) || depth > 8) return 'tokensim'
  if ('const' in schema) return schema['const']
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0]
  const choices = schema['anyOf'] ?? schema['oneOf']
  if (Array.isArray(choices) && choices.length > 0) return sample(choices[0], depth + 1)
  switch (typeOf(schema)) {
    case 'object': {
      const properties = isObject(schema['properties']) ? schema['properties'] : {}
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, sample(property, depth + 1)]))
    }
    case 'array':
      return []
    case 'integer':
    case 'number':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 1
    case 'boolean':
      return true
    case 'null':
      return null
    default:
      return 'tokensim'
  }
}

/**
 * Arguments that break the schema, as a model gets them wrong: a required property left out, else a declared
 * property of the wrong type, else (no schema to break) a property left out; arguments with no property at
 * all become a list, which no tool's object of arguments accepts. Arguments that already lack a required
 * property break it as they are.
 */
export function breakArguments(args: unknown, schema: unknown): unknown {
  if (!isObject(args)) return []
  const declared = isObject(schema) ? schema : {}
  const required = Array.isArray(declared['required']) ? declared['required'].filter((name) => typeof name === 'string') : []
  if (required.some((name) => !(name in args))) return args
  const [missing] = required
  if (missing !== undefined) return without(args, missing)
  const properties = isObject(declared['properties']) ? declared['properties'] : {}
  for (const name of Object.keys(args)) {
    const type = isObject(properties[name]) ? typeOf(properties[name]) : undefined
    if (type !== undefined) return { ...args, [name]: type === 'string' ? 42 : 'tokensim' }
  }
  const [first] = Object.keys(args)
  return first === undefined ? [] : without(args, first)
}

function without(args: Schema, name: string): Record<string, unknown> {
  const { [name]: _dropped, ...rest } = args
  return rest
}
