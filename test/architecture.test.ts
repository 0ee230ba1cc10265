/** Keeps the core pure: src/core and src/wire import nothing from hono or node:, and never read the clock or Math.random. */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function files(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(folder, e.name)) : e.name.endsWith('.ts') ? [join(folder, e.name)] : [],
  )
}

const imports = (source: string) => [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!)

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

describe('architecture', () => {
  const pure = [...files(join(root, 'src/core')), ...files(join(root, 'src/wire'))]

  it.each(pure.map((f) => relative(root, f)))('%s is pure', (file) => {
    const source = readFileSync(join(root, file), 'utf8')
    for (const name of imports(source)) {
      expect(name, `${file} imports ${name}`).not.toMatch(/^(node:|hono|@hono\/)/)
      expect(name, `${file} reaches out of the core: ${name}`).not.toMatch(/\/server\/|\.\.\/cli/)
    }
    expect(impureUses(file, source)).toEqual([])
  })

  it('the purity check sees what it looks for', () => {
    expect(impureUses('x.ts', 'const a = Math.random(); setTimeout(f); // Date.now()\nconst s = "performance.now()"')).toEqual([
      'Math.random',
      'setTimeout',
    ])
  })

  it('wire depends only on core, core on nothing else of the project', () => {
    for (const file of files(join(root, 'src/core'))) {
      for (const name of imports(readFileSync(file, 'utf8'))) expect(name, relative(root, file)).not.toMatch(/\/wire\//)
    }
  })
})
