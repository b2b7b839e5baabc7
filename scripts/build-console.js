'use strict';
/** Bundles the console's pages (apps/console/web) into dist/console-web: one script, one style sheet, the page. */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'apps', 'console', 'web');
const OUT = path.join(ROOT, 'dist', 'console-web');

function buildConsole() {
  const esbuild = require('esbuild');
  fs.mkdirSync(OUT, { recursive: true });
  esbuild.buildSync({
    entryPoints: [path.join(SOURCE, 'main.tsx')],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(SOURCE, 'tsconfig.json'),
    outfile: path.join(OUT, 'app.js'),
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'app.css']) fs.copyFileSync(path.join(SOURCE, file), path.join(OUT, file));
}

module.exports = { buildConsole };

if (require.main === module) buildConsole();
