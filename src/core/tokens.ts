/**
 * Token counts with the real o200k_base tokenizer (GPT-4o and later), for the usage every vendor format reports.
 * Special-token text such as `<|endoftext|>` counts as ordinary text, as split() tokenizes it.
 */
import { countTokens as count } from 'gpt-tokenizer/encoding/o200k_base'

const NO_SPECIAL_TOKENS = new Set<string>()

/** How many o200k_base tokens `text` is. */
export function countTokens(text: string): number {
  return text === '' ? 0 : count(text, { disallowedSpecial: NO_SPECIAL_TOKENS })
}
