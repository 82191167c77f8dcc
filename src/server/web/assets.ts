/**
 * The web interface's static files, served under a name that holds their content hash
 * (`/assets/app.3f2a9c1b7d.css`) with a year-long immutable cache: a new release changes the
 * name, so browsers never keep a stale copy. htmx and its SSE extension come straight from
 * node_modules (no front-end build); our own CSS and scripts from `assets/web/`: `app.css` and
 * `app.js` on every page, any other file there by its name (`Layout`'s `scripts`), for the pages
 * that need it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
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
const OWN_FOLDER = fileURLToPath(new URL('../../../assets/web/', import.meta.url));

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

const SOURCES: Record<AssetName, { path: () => string; base: string; ext: string }> = {
  css: { path: () => join(OWN_FOLDER, 'app.css'), base: 'app', ext: 'css' },
  app: { path: () => join(OWN_FOLDER, 'app.js'), base: 'app', ext: 'js' },
  htmx: { path: () => require.resolve('htmx.org/dist/htmx.min.js'), base: 'htmx', ext: 'js' },
  htmxSse: { path: () => require.resolve('htmx-ext-sse/dist/sse.min.js'), base: 'htmx-sse', ext: 'js' },
};

/** The fixed assets by their names, and every page script of assets/web/ by its file name (`tables.js`). */
export type Assets = Record<AssetName, Asset> & { pageScripts: Record<string, Asset> };

let loaded: Assets | undefined;

function hashed(path: string, base: string, ext: string): Asset {
  const body = readFileSync(path);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { url: `/assets/${base}.${hash}.${ext}`, body, type: TYPES[`.${ext}`] ?? 'application/octet-stream' };
}

/** Reads and hashes every asset once (a few hundred KiB at most). */
export function loadAssets(): Assets {
  if (loaded) return loaded;
  const fixed = Object.fromEntries(Object.entries(SOURCES).map(([name, s]) => [name, hashed(s.path(), s.base, s.ext)])) as Record<AssetName, Asset>;
  const pageScripts: Record<string, Asset> = {};
  for (const file of readdirSync(OWN_FOLDER).sort()) {
    if (extname(file) !== '.js' || file === 'app.js') continue;
    pageScripts[file] = hashed(join(OWN_FOLDER, file), file.slice(0, -3), 'js');
  }
  loaded = { ...fixed, pageScripts };
  return loaded;
}

/** Every served asset, for the `/assets/:file` route. */
export function allAssets(assets: Assets): Asset[] {
  const { pageScripts, ...fixed } = assets;
  return [...Object.values(fixed), ...Object.values(pageScripts)];
}
