'use strict';
// `npm run demo [-- --projects N --seed N]`: loads a synthetic year into the running system (`npm start`) and prints the KPI report.
// The admin key: ADMIN_API_KEY, else the file that `npm start` keeps (.local/admin-api-key).
const { ensureDependencies, build, spawnApp } = require('./common');

ensureDependencies();
build();
spawnApp('demo', { ...process.env }, 'main', process.argv.slice(2)).on('exit', (code) => process.exit(code ?? 1));
