/**
 * A value made once per object and kept while the object lives: a route's listing of the app's profiles,
 * replies or captures, made again only when a reload has replaced them (src/app/app.ts reloadApp).
 */
export function memoized<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>()
  return (key) => {
    let value = made.get(key)
    if (value === undefined) made.set(key, (value = make(key)))
    return value
  }
}
