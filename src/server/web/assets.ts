/**
 * The web interface's static files, served under a name that holds their content hash
 * (`/assets/app.3f2a9c1b7d.css`) with a year-long immutable cache: a new release changes the
 * name, so browsers never keep a stale copy. htmx and its SSE extension come straight from
 * node_modules (no front-end build); our own CSS and script from `assets/web/`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  /** `/assets/<name>.<hash>.<ext>` */
  url: string;
  body: Buffer;
  type: string;
}

export type AssetName = 'css' | 'app' | 'htmx' | 'htmxSse';

const require = createRequire(import.meta.url);
// From src/server/web/ and dist/server/web/ alike, the checkout's assets/ is three folders up.
const ownAsset = (name: string): string => fileURLToPath(new URL(`../../../assets/web/${name}`, import.meta.url));

const SOURCES: Record<AssetName, { path: () => string; base: string; ext: string; type: string }> = {
  css: { path: () => ownAsset('app.css'), base: 'app', ext: 'css', type: 'text/css; charset=utf-8' },
  app: { path: () => ownAsset('app.js'), base: 'app', ext: 'js', type: 'text/javascript; charset=utf-8' },
  htmx: { path: () => require.resolve('htmx.org/dist/htmx.min.js'), base: 'htmx', ext: 'js', type: 'text/javascript; charset=utf-8' },
  htmxSse: { path: () => require.resolve('htmx-ext-sse/dist/sse.min.js'), base: 'htmx-sse', ext: 'js', type: 'text/javascript; charset=utf-8' },
};

export type Assets = Record<AssetName, Asset>;

let loaded: Assets | undefined;

/** Reads and hashes every asset once (a few hundred KiB at most). */
export function loadAssets(): Assets {
  if (loaded) return loaded;
  const entries = Object.entries(SOURCES).map(([name, source]) => {
    const body = readFileSync(source.path());
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    return [name, { url: `/assets/${source.base}.${hash}.${source.ext}`, body, type: source.type }] as const;
  });
  loaded = Object.fromEntries(entries) as Assets;
  return loaded;
}
