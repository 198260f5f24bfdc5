/**
 * The layers (README, "Layout"; docs/architecture.md): domain ← application ← adapters ← composition ← functions.
 * Inner layers never import outer ones, and nothing in shared/ imports in a circle. sandbox/, bench/ and test/ may
 * import anything, so they are not checked here.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can change, load or be tested alone.',
      from: { path: '^shared/' },
      to: { circular: true },
    },
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment: 'The rules are pure: no use case, adapter, setting, telemetry or SDK; of Node, only its hashing.',
      from: { path: '^shared/domain/' },
      to: { pathNot: ['^shared/domain/', '^shared/text/', '^crypto$'] },
    },
    {
      name: 'application-imports-inward',
      severity: 'error',
      comment: 'Use cases take ports; adapters and settings are wired in by the composition root.',
      from: { path: '^shared/application/' },
      to: { path: ['^shared/adapters/', '^shared/config\\.ts$', '^shared/composition/', '^functions/'] },
    },
    {
      name: 'adapters-do-not-import-the-root',
      severity: 'error',
      from: { path: '^shared/adapters/' },
      to: { path: ['^shared/config\\.ts$', '^shared/composition/', '^functions/'] },
    },
    {
      name: 'telemetry-is-an-adapter',
      severity: 'error',
      comment: 'Metrics and spans are wired in at the edge: rules and use cases report through what they return.',
      from: { path: '^shared/(domain|application)/' },
      to: { path: '^shared/telemetry/' },
    },
    {
      name: 'telemetry-does-not-import-the-root',
      severity: 'error',
      from: { path: '^shared/telemetry/' },
      to: { path: ['^shared/config\\.ts$', '^shared/composition/', '^functions/'] },
    },
    {
      name: 'shared-does-not-import-the-edges',
      severity: 'error',
      comment: 'The product does not depend on the sandbox, the benchmarks or the tests.',
      from: { path: '^(shared|functions)/' },
      to: { path: '^(sandbox|bench|test|infra|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
