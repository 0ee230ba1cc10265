import type { Reply } from '../types.js'
import { code } from './code.js'
import { greeting } from './greeting.js'
import { long } from './long.js'
import { markdown } from './markdown.js'
import { multilingual } from './multilingual.js'

/** The replies that ship with tokensim, the default (`greeting`) first. */
export const BUILTIN_REPLIES: readonly Reply[] = [greeting, markdown, code, long, multilingual]
