// Match-pattern generation from the registry. Plain ESM JavaScript so that the build script
// (node, no TypeScript) and the extension code share one implementation. The rule is the Rust
// core's `Registry::match_patterns()` (core/src/registry.rs): every system's `app` prefix and
// every `login` prefix becomes `https://<normalized host><path ending in />*`, sorted (byte order)
// and de-duplicated.

/**
 * Normalizes a registry prefix the way the core's `Prefix::parse` does, or throws.
 * @param {string} prefix
 * @returns {{ host: string, path: string }}
 */
export function parsePrefix(prefix) {
  let url;
  try {
    url = new URL(prefix);
  } catch {
    throw new Error(`registry prefix ${JSON.stringify(prefix)} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error(`registry prefix ${prefix} must be https`);
  if (url.port !== '') throw new Error(`registry prefix ${prefix} must use the default port`);
  if (url.username !== '' || url.password !== '') throw new Error(`registry prefix ${prefix} must not carry credentials`);
  if (url.search !== '' || url.hash !== '' || prefix.includes('?') || prefix.includes('#')) {
    throw new Error(`registry prefix ${prefix} must not carry a query or fragment`);
  }
  let host = url.hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.endsWith('.') || /^[0-9.]+$/.test(host) || host.startsWith('[')) {
    throw new Error(`registry prefix ${prefix} has an invalid host`);
  }
  let path = url.pathname;
  if (!path.endsWith('/')) path += '/';
  return { host, path };
}

/**
 * The WebExtension match pattern of one prefix.
 * @param {string} prefix
 * @returns {string}
 */
export function matchPattern(prefix) {
  const { host, path } = parsePrefix(prefix);
  return `https://${host}${path}*`;
}

/**
 * All match patterns of a list of registry systems, sorted and de-duplicated.
 * @param {ReadonlyArray<{ app: string, login?: ReadonlyArray<string> }>} systems
 * @returns {string[]}
 */
export function matchPatterns(systems) {
  const set = new Set();
  for (const s of systems) {
    set.add(matchPattern(s.app));
    for (const l of s.login ?? []) set.add(matchPattern(l));
  }
  // Byte-order sort, like Rust's BTreeSet<String> (all patterns are ASCII).
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
