'use strict';
// `npm run rebuild -- <projection>`: builds, then rebuilds the projection from the event store while the system runs.
const { ensureDependencies, build, spawnApp } = require('./common');

ensureDependencies();
build();
spawnApp('projector', process.env, 'rebuild', process.argv.slice(2)).on('exit', (code) => process.exit(code ?? 1));
