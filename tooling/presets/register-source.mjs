// Lets plain `node` run revokit's TypeScript sources, for tests that spawn real child processes
// (several processes sharing one SQLite file, the CLI, the demo). Node 24 strips types itself;
// this hook only resolves the extensionless relative imports our sources use (`./model` →
// `./model.ts`). Use with the source condition:
//   node --conditions=@revokit/source --import @revokit/presets/register-source file.ts
import { existsSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { fileURLToPath } from 'node:url'

registerHooks({
  resolve(specifier, context, nextResolve) {
    if ((specifier.startsWith('./') || specifier.startsWith('../')) && context.parentURL?.endsWith('.ts')) {
      for (const suffix of ['.ts', '/index.ts']) {
        const url = new URL(specifier + suffix, context.parentURL)
        if (existsSync(fileURLToPath(url))) return nextResolve(url.href, context)
      }
    }
    return nextResolve(specifier, context)
  },
})
