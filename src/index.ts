/**
 * tokensim as a library: `start(options)` serves it on Node as the `tokensim` command does, `createApp(options)`
 * gives the runtime-neutral app for other runtimes. The options are the command line's flags in camelCase.
 */
export { start, type StartOptions, type Tokensim } from './start.js'
export { createApp } from './create-app.js'
export { OptionError, type AppOptions } from './options.js'
