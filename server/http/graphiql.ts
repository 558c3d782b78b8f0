import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Where `npm run build` writes GraphiQL's assets, and the URL path they are served under. */
export const GRAPHIQL_DIR = fileURLToPath(new URL('../../web/build/graphiql', import.meta.url));
export const GRAPHIQL_PATH = '/graphiql/';

/** The content-hashed file names of one build of GraphiQL's assets. */
interface GraphiqlManifest {
  readonly css: string;
  readonly js: string;
  readonly start: string;
  readonly favicon: string;
  /** Monaco worker label -> file. */
  readonly workers: Readonly<Record<string, string>>;
}

/** The GraphiQL bundle that graphql-yoga ships as strings (9 MB), loaded from its package. */
interface GraphiqlBundle {
  readonly css: string;
  readonly js: string;
  readonly favicon: string;
  readonly editorWorkerService: string;
  readonly jsonWorker: string;
  readonly graphqlWorker: string;
}

// Runs before the bundle's render call: Monaco's workers come from files on this origin, not blob: URLs.
const START = `(function () {
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (_moduleId, label) { return config.workers[label]; } };
  YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), config.options);
})();
`;

function hashed(name: string, extension: string, content: string | Buffer): string {
  return `${name}.${createHash('sha256').update(content).digest('hex').slice(0, 16)}.${extension}`;
}

/**
 * Writes GraphiQL's page assets as static files (`npm run build`): content-hashed names, each with
 * brotli and gzip siblings, and a manifest, so the page itself is a few hundred bytes and browsers
 * cache the 9 MB bundle for good instead of receiving it inline with every page view.
 */
export async function writeGraphiqlAssets(dir = GRAPHIQL_DIR): Promise<void> {
  const entry = import.meta.resolve('@graphql-yoga/render-graphiql');
  const bundle = (await import(new URL('./graphiql.js', entry).href)) as GraphiqlBundle;
  const files = new Map<string, string | Buffer>();
  const add = (name: string, extension: string, content: string | Buffer): string => {
    const file = hashed(name, extension, content);
    files.set(file, content);
    return `${GRAPHIQL_PATH}${file}`;
  };
  const favicon = Buffer.from(bundle.favicon.replace(/^data:[^,]*;base64,/, ''), 'base64');
  const manifest: GraphiqlManifest = {
    css: add('graphiql', 'css', bundle.css),
    js: add('graphiql', 'js', bundle.js),
    start: add('start', 'js', START),
    favicon: add('favicon', 'ico', favicon),
    workers: {
      editorWorkerService: add('editor.worker', 'js', bundle.editorWorkerService),
      json: add('json.worker', 'js', bundle.jsonWorker),
      graphql: add('graphql.worker', 'js', bundle.graphqlWorker),
    },
  };
  // The previous build's files stay (a page a browser loaded before the rebuild still finds its
  // scripts); older ones go.
  const keep = new Set([...files.keys(), ...manifestFiles(readManifest(dir))]);
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    if (file !== MANIFEST && !keep.has(file.replace(/\.(br|gz)$/, ''))) rmSync(join(dir, file), { force: true });
  }
  for (const [file, content] of files) {
    writeFileSync(join(dir, file), content);
    if (file.endsWith('.ico')) continue;
    writeFileSync(join(dir, `${file}.br`), brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
    writeFileSync(join(dir, `${file}.gz`), gzipSync(content, { level: 9 }));
  }
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2));
}

/** The manifest's name: not served (only the hashed files are). */
export const MANIFEST = 'manifest.json';

function readManifest(dir: string): GraphiqlManifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as GraphiqlManifest;
  } catch {
    return null;
  }
}

function manifestFiles(manifest: GraphiqlManifest | null): string[] {
  if (!manifest) return [];
  return [manifest.css, manifest.js, manifest.start, manifest.favicon, ...Object.values(manifest.workers)].map((url) => url.slice(GRAPHIQL_PATH.length));
}

/** JSON safe inside a `<script type="application/json">` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * graphql-yoga's `renderGraphiQL`: a small page that loads the built assets (no inline script, so a
 * strict Content-Security-Policy holds), or says how to build them.
 */
export function graphiqlRenderer(dir = GRAPHIQL_DIR): (options?: { readonly title?: string }) => string {
  // Read again when a rebuild replaces it (a stat per page view; the page names the files it loads).
  let cached: { mtimeMs: number; manifest: GraphiqlManifest | null } | null = null;
  const current = (): GraphiqlManifest | null => {
    const mtimeMs = statSync(join(dir, MANIFEST), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, manifest: readManifest(dir) };
    return cached.manifest;
  };
  return (options = {}) => {
    const manifest = current();
    const title = escapeHtml(options.title ?? 'GraphiQL');
    if (manifest === null) {
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><p>GraphiQL's assets are not built: run <code>npm run build</code>. The API itself is at this address (POST).</p></body></html>`;
    }
    const config = scriptJson({ options, workers: manifest.workers });
    return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${manifest.favicon}" />
    <link rel="stylesheet" href="${manifest.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-config">${config}</script>
    <script src="${manifest.js}"></script>
    <script src="${manifest.start}"></script>
  </body>
</html>`;
  };
}
