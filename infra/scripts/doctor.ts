/**
 * `npm run doctor [-- --subscription ID ...] [--capture FILE [--keep-names]] [--sandbox]`: the first thing to run,
 * before or after deploying. With the credentials DefaultAzureCredential finds (Azure CLI login, environment,
 * managed identity) it makes every read the monitor makes, lists what it sees, names each missing right with its
 * scope and the command that grants it, names each field a response lacked, and exits 1 when the monitor would be
 * blind to anything. Run it as the monitor's identity to check the monitor's rights.
 * Subscriptions: --subscription, else SUBSCRIPTION_IDS (comma-separated). --sandbox reads .sandbox/endpoints.json of
 * a running `npm start` and signs in as the sandbox's key vault admin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DefaultAzureCredential } from '@azure/identity';
import { capturePolicy, type CapturedResponse } from './capture.js';
import { diagnose } from './diagnose.js';
import { adminIdentity } from '../../sandbox/double/identity.js';

const { values } = parseArgs({
  options: {
    subscription: { type: 'string', multiple: true },
    capture: { type: 'string' },
    'keep-names': { type: 'boolean', default: false },
    sandbox: { type: 'boolean', default: false },
  },
});

interface SandboxEndpoints {
  arm: string;
  powerPlatform: string;
  caCert: string;
  subscriptionIds: string[];
  identity: { endpoint: string; header: string };
}

async function main(): Promise<number> {
  const sandbox = values.sandbox
    ? (JSON.parse(readFileSync('.sandbox/endpoints.json', 'utf8')) as SandboxEndpoints)
    : null;
  if (sandbox) {
    process.env.IDENTITY_ENDPOINT = sandbox.identity.endpoint;
    process.env.IDENTITY_HEADER = sandbox.identity.header;
  }
  const subscriptionIds =
    values.subscription ??
    sandbox?.subscriptionIds ??
    (process.env.SUBSCRIPTION_IDS ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  if (!subscriptionIds.length) {
    console.error(
      'doctor: name the subscriptions holding enterprise policies: --subscription <id> (repeatable) or SUBSCRIPTION_IDS',
    );
    return 2;
  }
  const captured: CapturedResponse[] = [];
  const credential = new DefaultAzureCredential(sandbox ? { managedIdentityClientId: adminIdentity.clientId } : {});
  const diagnosis = await diagnose({
    credential,
    pipeline: {
      ...(sandbox && { tlsOptions: { ca: readFileSync(sandbox.caCert, 'utf8') } }),
      ...(values.capture && {
        additionalPolicies: [{ policy: capturePolicy(captured, values['keep-names']), position: 'perCall' as const }],
      }),
    },
    armEndpoint: sandbox?.arm ?? process.env.ARM_ENDPOINT ?? 'https://management.azure.com',
    powerPlatformEndpoint:
      sandbox?.powerPlatform ?? process.env.POWER_PLATFORM_ENDPOINT ?? 'https://api.bap.microsoft.com',
    subscriptionIds,
  });
  console.log(
    `CMK monitor doctor, signed in as ${diagnosis.principalId ?? '(an identity whose token names no object id)'}`,
  );
  for (const line of diagnosis.lines) console.log(line);
  if (values.capture) {
    writeFileSync(values.capture, `${JSON.stringify(captured, null, 2)}\n`);
    console.log(
      `${captured.length} responses written to ${values.capture} (ids hashed${values['keep-names'] ? '' : ', names hashed'})`,
    );
  }
  if (!diagnosis.problems.length) {
    console.log('The monitor would see everything listed above.');
    return 0;
  }
  console.log(`\nThe monitor would be blind to part of the tenant (${diagnosis.problems.length}):`);
  for (const problem of diagnosis.problems) console.log(`- [${problem.kind}] ${problem.text}`);
  return 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`doctor failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
