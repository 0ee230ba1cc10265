/**
 * Watching the user's data files (`--replies`, `--scenarios`, `--profiles`, `--captures`) for changes. A file is
 * polled (`fs.watchFile`), which sees an editor's save by rename as well as a write in place; a folder is watched
 * for the files in it changing, coming and going. Changes that come together are reported once.
 */
import { statSync, unwatchFile, watch, watchFile, type FSWatcher } from 'node:fs'

/** How often a file is polled, and how long a burst of changes is waited out before it is reported. */
const POLL_MS = 250
const SETTLE_MS = 100

/** Calls `changed` after any of `paths` changes; the result stops watching. */
export function watchFiles(paths: readonly string[], changed: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const soon = (): void => {
    clearTimeout(timer)
    timer = setTimeout(changed, SETTLE_MS)
  }
  const watchers: FSWatcher[] = []
  const polled: string[] = []
  for (const path of paths) {
    let folder = false
    try {
      folder = statSync(path).isDirectory()
    } catch {
      // Gone for now: polled, so that it is seen when it comes back.
    }
    if (folder) {
      const watcher = watch(path, { persistent: false }, soon)
      watcher.on('error', () => undefined)
      watchers.push(watcher)
    } else {
      watchFile(path, { interval: POLL_MS, persistent: false }, (now, before) => {
        if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) soon()
      })
      polled.push(path)
    }
  }
  return () => {
    clearTimeout(timer)
    for (const watcher of watchers) watcher.close()
    for (const path of polled) unwatchFile(path)
  }
}
