/**
 * createApp(options): tokensim as a Hono app for any runtime with web streams (Workers, Deno, Bun, or Node
 * through an adapter of your own): every API endpoint, no page (it needs files) and no data files. The options
 * are start()'s that need no files or sockets. Runtime-neutral: nothing here imports node:*.
 */
import type { Hono } from 'hono'
import { asOptionError, CODE_NAMES, resolveAppOptions, type AppOptions } from './options.js'
import { createApp as createHonoApp } from './app/app.js'

/** The app the options describe; its `fetch(request)` answers requests. A bad option throws an OptionError naming it. */
export function createApp(options: AppOptions = {}): Hono {
  const settings = resolveAppOptions(options)
  try {
    return createHonoApp(settings)
  } catch (error) {
    throw asOptionError(error, CODE_NAMES)
  }
}
