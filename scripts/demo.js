'use strict';
// `npm run demo [-- --projects N --seed N]`: loads a synthetic year into the running system (`npm start`) and prints the KPI report.
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, ensureDependencies, build, spawnApp } = require('./common');

ensureDependencies();
build();
const env = { ...process.env };
const keyFile = path.join(ROOT, '.local', 'admin-api-key');
if (!env.ADMIN_API_KEY && fs.existsSync(keyFile)) env.ADMIN_API_KEY = fs.readFileSync(keyFile, 'utf8').trim();
spawnApp('demo', env, 'main', process.argv.slice(2)).on('exit', (code) => process.exit(code ?? 1));
