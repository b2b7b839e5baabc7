'use strict';
/**
 * Bundles the console's pages (apps/console/web) into dist/console-web: the page, one style
 * sheet, the main script and the chunks loaded on demand (the cockpit and its charts), each
 * also compressed (.br, .gz) for the server to send as they are.
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
  esbuild.buildSync({
    entryPoints: { app: path.join(SOURCE, 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: true,
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
  for (const file of ['index.html', 'app.css']) fs.copyFileSync(path.join(SOURCE, file), path.join(OUT, file));
  for (const file of filesUnder(OUT).filter((f) => /\.(js|css|html)$/.test(f))) {
    const content = fs.readFileSync(file);
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content, { level: 9 }));
  }
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

module.exports = { buildConsole, filesUnder, OUT };

if (require.main === module) buildConsole();
