/**
 * The layers, checked by `npm test` (dependency-cruiser): the domain depends on nothing;
 * libs never on apps; no app on another; platform (config, HTTP shell, database plumbing)
 * knows no read model; and no cycles.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-depends-on-nothing',
      comment: 'The domain is pure: deciders, events, rules. No framework, no I/O, no other lib.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { pathNot: ['^libs/domain/', '^node_modules/typescript/'] },
    },
    {
      name: 'libs-never-on-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-on-other-apps',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'platform-not-on-read-models',
      comment: 'Platform runs the migrations it is given; the schema as a whole lives in libs/migrations.',
      severity: 'error',
      from: { path: '^libs/platform/' },
      to: { path: '^libs/(read-models|migrations|event-store|messaging)/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'default'] },
  },
};
