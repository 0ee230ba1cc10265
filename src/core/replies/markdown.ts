import type { Reply } from '../types.js'

/** A typical developer answer that uses most of Markdown: headings, lists, emphasis, a link, a table and a code block. */
export const markdown: Reply = {
  name: 'markdown',
  description: 'Markdown with headings, lists, a table and a code block: tests a renderer mid-stream.',
  text: `# Debouncing a search input

Debouncing means **waiting until the user stops typing** before you act on the input. Without it, a search box fires a request on *every* keystroke: typing "tokenizer" sends nine requests, and eight of them are wasted.

## How it works

Each keystroke restarts a short timer. Only when the timer runs out, with no new keystroke in between, does the search actually run.

- The delay is usually between **200 and 400 ms**: long enough to skip the pauses between keystrokes, short enough to feel instant.
- The *last* value wins, so the request always matches what is in the box.
- It pairs well with an \`AbortController\`, which cancels a request that is still in flight when a newer one starts.

## A small TypeScript helper

\`\`\`typescript
export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs = 300) {
  let timer: ReturnType<typeof setTimeout> | undefined
  return (...args: A): void => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), waitMs)
  }
}

const input = document.querySelector<HTMLInputElement>('#search')!
let controller: AbortController | undefined

const search = debounce(async (query: string) => {
  controller?.abort()
  controller = new AbortController()
  const response = await fetch(\`/api/search?q=\${encodeURIComponent(query)}\`, { signal: controller.signal })
  renderResults(await response.json())
}, 300)

input.addEventListener('input', () => search(input.value.trim()))
\`\`\`

## Steps to wire it up

1. Wrap the function that does the work (here, the \`fetch\`) in \`debounce\`.
2. Call the debounced function from the \`input\` event, not from \`keyup\`, so pasting and autocomplete count too.
3. Abort the previous request before starting a new one, so a slow old response can never overwrite a newer one.
4. Skip the request entirely when the query is empty or shorter than two characters.

## Debounce or throttle?

| Technique | When it fires | Good for | Typical delay |
| --- | --- | --- | --- |
| Debounce | Once, after the input goes quiet | Search boxes, form validation | 200-400 ms |
| Throttle | At most once per interval, while input continues | Scroll and resize handlers | 100-250 ms |
| \`requestAnimationFrame\` | Once per frame | Drag, pointer tracking, animations | ~16 ms |
| No limit | On every event | Very cheap, local work only | 0 ms |

## If you use React

Keep the debounced function stable across renders with \`useMemo\` or \`useRef\`; otherwise every render creates a new timer and the debounce never takes effect. Libraries such as [lodash.debounce](https://lodash.com/docs/#debounce) also add \`leading\`, \`trailing\` and \`maxWait\` options, plus a \`cancel()\` method you can call when the component unmounts.

Want me to show the same pattern as a reusable \`useDebouncedValue\` hook?`,
}
