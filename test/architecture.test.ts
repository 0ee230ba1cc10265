/**
 * The layout's rules, read from the imports of every file under src/ (type-only imports included):
 * - layers, each importing only inward: the pure core (src/core) <- the wire encoders (src/wire) <- the
 *   runtime-neutral app (src/app) <- the library's neutral face (src/options.ts, src/create-app.ts, src/msw.ts) and the
 *   Worker entry (src/workerd.ts); the Node adapter (src/node) <- tokensim on Node (src/start.ts,
 *   src/data-files.ts, src/index.ts, and the test helpers src/vitest.ts, src/playwright.ts with their
 *   src/scoped-client.ts) <- the command line (src/cli.ts, src/cli/);
 * - nothing that must run on any runtime (core, wire, app, the neutral face, the Worker entry) imports node:*
 *   or the Node server;
 * - no import cycles;
 * - the core and wire are pure: no hono, no node:, and they never read the clock or Math.random.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function files(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(folder, e.name)) : e.name.endsWith('.ts') ? [join(folder, e.name)] : [],
  )
}

/** Every module a source names: import and export declarations (`import type` too), `import()` and `require()`. */
const imports = (source: string): string[] => ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName)

/** Names of the clock, randomness and process that the code (not its comments or strings) uses. */
const IMPURE = new Set(['Math.random', 'Date.now', 'performance.now', 'setTimeout', 'setInterval', 'process', 'globalThis'])
function impureUses(file: string, source: string): string[] {
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && IMPURE.has(node.getText())) found.push(node.getText())
    else if (ts.isIdentifier(node) && IMPURE.has(node.text) && !ts.isPropertyAccessExpression(node.parent)) found.push(node.text)
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true))
  return found
}

type Layer = 'core' | 'wire' | 'app' | 'face' | 'workerd' | 'node' | 'start' | 'cli'

/** The layer of a file under src/ (a path from the repository's root), or undefined: a file in no layer. */
function layerOf(file: string): Layer | undefined {
  const [top, name] = file.split('/').slice(1)
  if (name !== undefined && ['core', 'wire', 'app', 'node', 'cli'].includes(top!)) return top as Layer
  if (top === 'options.ts' || top === 'create-app.ts' || top === 'msw.ts') return 'face'
  if (top === 'workerd.ts') return 'workerd'
  if (['start.ts', 'data-files.ts', 'index.ts', 'scoped-client.ts', 'vitest.ts', 'playwright.ts'].includes(top!)) return 'start'
  if (top === 'cli.ts') return 'cli'
  return undefined
}

/** What each layer may import of the project: itself and the layers inside it. */
const INWARD: Record<Layer, readonly Layer[]> = {
  core: ['core'],
  wire: ['core', 'wire'],
  app: ['core', 'wire', 'app'],
  face: ['core', 'wire', 'app', 'face'],
  workerd: ['core', 'wire', 'app', 'face', 'workerd'],
  node: ['core', 'wire', 'app', 'node'],
  start: ['core', 'wire', 'app', 'face', 'node', 'start'],
  cli: ['core', 'wire', 'app', 'face', 'node', 'start', 'cli'],
}

/** The layers that run on any runtime: no node:*, no Node server. */
const NEUTRAL: readonly Layer[] = ['core', 'wire', 'app', 'face', 'workerd']

/** file -> the project's files it imports (paths from the root; a relative `.js` import names its `.ts` source). */
function importGraph(sources: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [file, source] of sources) {
    const local = imports(source)
      .filter((name) => name.startsWith('.'))
      .map((name) => join(dirname(file), name).replace(/\.js$/, '.ts'))
    graph.set(file, local)
  }
  return graph
}

/** The import cycles of a graph: its strongly connected components of more than one file, or a file importing itself. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm.
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (file: string): void => {
    index.set(file, next)
    low.set(file, next++)
    stack.push(file)
    onStack.add(file)
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(file, Math.min(low.get(file)!, low.get(target)!))
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!))
    }
    if (low.get(file) !== index.get(file)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== file)
    if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort())
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return found
}

const sources = new Map(files(join(root, 'src')).map((f) => [relative(root, f), readFileSync(f, 'utf8')] as const))
const graph = importGraph(sources)

describe('architecture', () => {
  const pure = [...sources.keys()].filter((file) => layerOf(file) === 'core' || layerOf(file) === 'wire')

  it.each(pure)('%s is pure', (file) => {
    const source = sources.get(file)!
    for (const name of imports(source)) expect(name, `${file} imports ${name}`).not.toMatch(/^(node:|hono|@hono\/)/)
    expect(impureUses(file, source)).toEqual([])
  })

  it('the purity check sees what it looks for', () => {
    expect(impureUses('x.ts', 'const a = Math.random(); setTimeout(f); // Date.now()\nconst s = "performance.now()"')).toEqual([
      'Math.random',
      'setTimeout',
    ])
  })

  it('every file under src/ is in a layer', () => {
    expect([...sources.keys()].filter((file) => layerOf(file) === undefined)).toEqual([])
  })

  it('each layer imports only inward (core <- wire <- app <- node, cli and the entries)', () => {
    const outward: string[] = []
    for (const [file, targets] of graph) {
      const layer = layerOf(file)!
      for (const target of targets) {
        const to = layerOf(target)
        if (to === undefined || !INWARD[layer].includes(to)) outward.push(`${file} (${layer}) imports ${target} (${to ?? 'outside src'})`)
      }
    }
    expect(outward).toEqual([])
  })

  it('what runs on any runtime imports no node:* module and nothing of the Node server', () => {
    const found: string[] = []
    for (const [file, source] of sources) {
      if (!NEUTRAL.includes(layerOf(file)!)) continue
      for (const name of imports(source)) if (/^node:|^@hono\/node-server/.test(name)) found.push(`${file} imports ${name}`)
    }
    expect(found).toEqual([])
  })

  it('no import cycles among the files under src/ (type-only imports included)', () => {
    expect(cycles(graph)).toEqual([])
  })

  it('the checks see what they look for', () => {
    expect(imports("import type { A } from './a.js'\nexport { b } from '../b.js'\nconst c = await import('node:fs')")).toEqual([
      './a.js',
      '../b.js',
      'node:fs',
    ])
    const loop = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ])
    expect(cycles(loop)).toEqual([['a', 'b', 'c'], ['e']])
    expect(layerOf('src/app/routes/stream.ts')).toBe('app')
    expect(INWARD[layerOf('src/app/app.ts')!]).not.toContain(layerOf('src/node/server.ts'))
    expect(layerOf('src/server.ts')).toBeUndefined()
  })
})
