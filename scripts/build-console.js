'use strict';
/**
 * Bundles the console's pages (apps/console/web) into dist/console-web: the page, one style
 * sheet, the main script and the chunks loaded on demand (the cockpit and its charts), each
 * also compressed (.br, .gz) for the server to send as they are. No source maps.
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'apps', 'console', 'web');
const OUT = path.join(ROOT, 'dist', 'console-web');

function buildConsole() {
  const esbuild = require('esbuild');
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const { metafile } = esbuild.buildSync({
    entryPoints: { app: path.join(SOURCE, 'main.tsx') },
    metafile: true,
    bundle: true,
    minify: true,
    // No source maps: the console would serve its readable source to anyone who asks.
    sourcemap: false,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: ['chrome109', 'firefox115', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(SOURCE, 'tsconfig.json'),
    outdir: OUT,
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(SOURCE, 'app.css'), path.join(OUT, 'app.css'));
  fs.copyFileSync(path.join(SOURCE, 'favicon.svg'), path.join(OUT, 'favicon.svg'));
  const page = fs.readFileSync(path.join(SOURCE, 'index.html'), 'utf8');
  fs.writeFileSync(path.join(OUT, 'index.html'), page.replace('<!-- cockpit-preload -->', cockpitPreload(metafile)));
  for (const file of filesUnder(OUT).filter((f) => /\.(js|css|html)$/.test(f))) {
    const content = fs.readFileSync(file);
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content, { level: 9 }));
  }
}

/**
 * Opened on the cockpit's address, the page asks for the cockpit's scripts (its page and the
 * charts) at once, beside the entry script, instead of after it has run: the board's critical path.
 */
function cockpitPreload(metafile) {
  const outputs = Object.entries(metafile.outputs);
  const entries = outputs.filter(([, o]) => /pages\/cockpit\.tsx$|charts\.ts$/.test(o.entryPoint ?? '')).map(([file]) => file);
  const files = new Set();
  const visit = (file) => {
    if (files.has(file)) return;
    files.add(file);
    for (const i of metafile.outputs[file].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  entries.forEach(visit);
  const urls = [...files].map((f) => path.relative(OUT, path.resolve(ROOT, f)).split(path.sep).join('/'));
  if (entries.length !== 2) throw new Error(`the cockpit's chunks were not found: ${JSON.stringify(urls)}`);
  return `<script>
      if (location.hash.startsWith('#/cockpit'))
        for (const href of ${JSON.stringify(urls)}) {
          const link = document.createElement('link');
          link.rel = 'modulepreload';
          link.href = href;
          document.head.append(link);
        }
    </script>`;
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

module.exports = { buildConsole, filesUnder, OUT };

if (require.main === module) buildConsole();
