'use strict';
// Resolves the `@app/*` imports of the compiled code (dist/) the way tsconfig.json maps them for the sources.
const path = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.json');

register({ baseUrl: path.join(__dirname, '..', 'dist'), paths: compilerOptions.paths });
