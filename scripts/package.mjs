// npm run build (npm run package is the same script): the deployment package in .deploy/, rebuilt from nothing every
// time. This is the one script azd runs: `azd deploy` and `azd up` run `npm install --no-audit --no-fund
// --prefer-offline`, then `npm run build --if-present`, then zip <project>/<dist> = .deploy/ as it is
// (Azure/azure-dev@ae35809f cli/azd/pkg/tools/node/node.go:94,104; cli/azd/pkg/project/framework_service_node.go:141,
// 218-221,232): azd never runs `npm run package` and never prunes the devDependencies, so the build has to leave
// the whole package, production node_modules included, in .deploy/. `npm run package:check` follows those steps
// from a fresh copy of the repository and loads the result as the Functions worker does.
//   node scripts/package.mjs [--include-dev]   (--include-dev: with the devDependencies, only to compare sizes)
import { join } from 'node:path';
import { buildDeployPackage, root } from './deployPackage.mjs';

const target = join(root, '.deploy');
try {
  const files = buildDeployPackage(target, {
    includeDev: process.argv.includes('--include-dev'),
    log: (message) => console.log(`- ${message}`),
  });
  console.log(`.deploy/: ${files.length.toLocaleString('en')} files`);
} catch (error) {
  console.error(`package failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
