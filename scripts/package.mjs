// npm run package (azd runs it before each deploy): the deployment package in .deploy/, which azure.yaml uploads
// as it is (no remote build), so Azure runs exactly what `npm run package:check` loads.
import { join } from 'node:path';
import { buildDeployPackage, root } from './deployPackage.mjs';

const target = join(root, '.deploy');
try {
  const files = buildDeployPackage(target, { log: (message) => console.log(`- ${message}`) });
  console.log(`.deploy/: ${files.length.toLocaleString('en')} files`);
} catch (error) {
  console.error(`package failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
