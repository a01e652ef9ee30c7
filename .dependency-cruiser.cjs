/**
 * Architecture boundaries, checked by `npm run lint` (dependency-cruiser reads TypeScript imports,
 * type-only ones included, so a cycle through `import type` counts too).
 * Layers, from the bottom: db/vocabulary (imports nothing) → db/ → server/lib, server/services
 * (no Fastify) → server/plugins, server/routes (Fastify) ; workers/ uses server/services and
 * server/lib, and nothing in server/ imports workers/.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules must not import each other, directly or through others (type imports count).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'vocabulary-imports-nothing',
      severity: 'error',
      comment: 'db/vocabulary is the bottom layer: every other folder uses it, it uses nothing.',
      from: { path: '^db/vocabulary/' },
      to: { pathNot: '^db/vocabulary/' },
    },
    {
      name: 'db-stays-below-server',
      severity: 'error',
      comment: 'db/ (schema, repositories, client) never imports server/, workers/ or scripts/.',
      from: { path: '^db/' },
      to: { path: '^(server|workers|scripts)/' },
    },
    {
      name: 'server-does-not-import-workers',
      severity: 'error',
      comment: 'The job catalogue lives in server/jobs; workers/ consumes it, server/ never reaches into workers/.',
      from: { path: '^server/' },
      to: { path: '^workers/' },
    },
    {
      name: 'no-fastify-below-routes',
      severity: 'error',
      comment: 'Services, repositories, libraries and jobs run in the workers too: no Fastify there.',
      from: { path: '^(db|server/(services|lib|jobs)|workers)/' },
      to: { path: '(^|/)node_modules/(fastify|@fastify/|fastify-plugin)' },
    },
    {
      name: 'routes-call-services-only',
      severity: 'error',
      comment: 'Routes and plugins go through services; SQL stays in db/repositories.',
      from: { path: '^server/(routes|plugins)/' },
      to: { path: '^db/(repositories|client)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-production-code-imports-tests',
      severity: 'error',
      from: { path: '^(db|server|workers)/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|var|db/migrations)' },
  },
}
