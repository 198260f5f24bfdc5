/**
 * A Managed HSM as the double serves it, on the wire and through the real clients: ManagedHsms_Get (200, or 204 with no
 * body), managedHSMs/keys without a location, the Key Vault key API on its own origin behind its network rules, and
 * no Event Grid event for anything that happens in it. A vault is no HSM, and an HSM no vault.
 */
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { parseScenario } from '../../../sandbox/scenario.js';
import { startReceiver } from '../../support/receiver.js';

const subscriptionId = '7a1c3e5f-9b2d-4f6a-8c0e-1d3f5a7b9c2e';
const armScope = 'https://management.azure.com/.default';
const hsmScope = 'https://managedhsm.azure.net/.default';
const rsaHsm = (name: string) => ({
  name,
  kty: 'RSA-HSM',
  size: 2048,
  versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 300 }],
});

const scenario = parseScenario({
  subscriptionId,
  vaults: [
    // Only what an HSM must have: purge protection, network rules and public access left unset.
    { name: 'hsm-plain', type: 'managedHsm', resourceGroup: 'rg-hsm', keys: [rsaHsm('pp-key')] },
    {
      name: 'hsm-closed',
      type: 'managedHsm',
      resourceGroup: 'rg-hsm',
      purgeProtection: true,
      networkDefaultAction: 'Deny',
      trustedServicesBypass: true,
      keys: [rsaHsm('pp-key')],
    },
    { name: 'kv-plain', resourceGroup: 'rg-hsm', keys: [{ ...rsaHsm('pp-key'), kty: 'RSA' }] },
  ],
});

const hsmId = (name: string, resourceGroup = 'rg-hsm') =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${name}`;
const vaultId = (name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/rg-hsm/providers/Microsoft.KeyVault/vaults/${name}`;

/** An Event Grid webhook that answers the handshake and records every notification. */
class Receiver {
  readonly notifications: { eventType: string; topic: string }[] = [];
  url = '';
  private receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  async start(): Promise<void> {
    this.receiver = await startReceiver((_req, body, res) => {
      const events = JSON.parse(body || '[]') as {
        eventType: string;
        topic: string;
        data: { validationCode?: string };
      }[];
      const validation = events.find((event) => event.eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent');
      if (validation) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ validationResponse: validation.data.validationCode }));
        return;
      }
      this.notifications.push(...events.map(({ eventType, topic }) => ({ eventType, topic })));
      res.writeHead(200).end();
    });
    this.url = `${this.receiver.url}/runtime/webhooks/eventgrid`;
  }

  async stop(): Promise<void> {
    await this.receiver?.stop();
  }
}

const receiver = new Receiver();
let double: AzureDouble;
let credential: DefaultAzureCredential;
let arm: KeyVaultManagementClient;
const keyClient = (name: string) =>
  new KeyClient(double.vaultUris[name] ?? '', credential, {
    tlsOptions: { ca: double.ca },
    disableChallengeResourceVerification: true,
  });
const savedEnvironment = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  await receiver.start();
  double = await startAzureDouble({ scenario, events: { url: receiver.url, retryDelaysMs: [20] } });
  process.env.IDENTITY_ENDPOINT = double.identityEndpoint;
  process.env.IDENTITY_HEADER = double.identityHeader;
  credential = new DefaultAzureCredential();
  arm = new KeyVaultManagementClient(credential, subscriptionId, {
    endpoint: double.armEndpoint,
    tlsOptions: { ca: double.ca },
    credentials: { scopes: [armScope] },
  });
});

afterAll(async () => {
  await double?.stop();
  await receiver.stop();
  for (const [name, value] of [
    ['IDENTITY_ENDPOINT', savedEnvironment.endpoint],
    ['IDENTITY_HEADER', savedEnvironment.header],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** An ARM or Key Vault body, as far as the tests read it. */
interface Body {
  properties?: Record<string, unknown>;
  [name: string]: unknown;
}

/** The reply exactly as the double puts it on the wire, with no SDK in between. */
async function wire(url: string, scope = armScope): Promise<{ status: number; body: Body | null; text: string }> {
  const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: scope }));
  const response = await pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url }));
  const text = response.bodyAsText ?? '';
  return { status: response.status, body: text ? (JSON.parse(text) as Body) : null, text };
}

const onArm = (path: string) => wire(`${double.armEndpoint}${path}?api-version=2026-02-01`);

describe('ManagedHsms_Get', () => {
  it('answers in the shape of ManagedHsm_Get.json: hsmUri without a trailing slash, soft delete and purge protection always present', async () => {
    const { status, body } = await onArm(hsmId('hsm-plain'));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: hsmId('hsm-plain'),
      name: 'hsm-plain',
      type: 'Microsoft.KeyVault/managedHSMs',
      location: expect.any(String) as unknown,
      sku: { name: 'Standard_B1', family: 'B' },
      properties: {
        tenantId: double.tenantId,
        initialAdminObjectIds: [expect.any(String)],
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: false,
        hsmUri: double.vaultUris['hsm-plain']?.replace(/\/$/, ''),
        provisioningState: 'Succeeded',
        statusMessage: 'ManagedHsm is functional.',
      },
    });
    expect(body?.properties?.hsmUri).not.toMatch(/\/$/);
    for (const absent of [
      'vaultUri',
      'accessPolicies',
      'enableRbacAuthorization',
      'networkAcls',
      'publicNetworkAccess',
    ]) {
      expect(body?.properties, absent).not.toHaveProperty(absent);
    }
  });

  it('serves network rules once set, and the SDK reads the HSM', async () => {
    expect((await onArm(hsmId('hsm-closed'))).body?.properties).toMatchObject({
      enablePurgeProtection: true,
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] },
    });
    expect(await arm.managedHsms.get('rg-hsm', 'hsm-closed')).toMatchObject({
      name: 'hsm-closed',
      properties: { hsmUri: double.vaultUris['hsm-closed']?.replace(/\/$/, '') },
    });
  });

  it('answers 204 with no body for an HSM that is not there, a vault among them; 404 for a resource group or subscription that is not', async () => {
    for (const name of ['hsm-gone', 'kv-plain']) {
      expect(await onArm(hsmId(name)), name).toMatchObject({ status: 204, text: '' });
    }
    expect(await onArm(hsmId('hsm-plain', 'rg-gone'))).toMatchObject({
      status: 404,
      body: { error: { code: 'ResourceGroupNotFound' } },
    });
    const elsewhere = hsmId('hsm-plain').replace(subscriptionId, '00000000-0000-4000-8000-000000000000');
    expect(await onArm(elsewhere)).toMatchObject({ status: 404, body: { error: { code: 'SubscriptionNotFound' } } });
  });

  it('is no vault: the vault routes answer ResourceNotFound for its name', async () => {
    expect(await onArm(vaultId('hsm-plain'))).toMatchObject({
      status: 404,
      body: {
        error: {
          code: 'ResourceNotFound',
          message: expect.stringContaining("'Microsoft.KeyVault/vaults/hsm-plain'") as unknown,
        },
      },
    });
    await expect(arm.vaults.get('rg-hsm', 'hsm-plain')).rejects.toMatchObject({ statusCode: 404 });
    expect((await onArm(`${vaultId('hsm-plain')}/keys/pp-key`)).status).toBe(404);
    expect((await onArm(`${hsmId('kv-plain')}/keys/pp-key`)).status).toBe(404);
  });
});

describe('ManagedHsmKeys', () => {
  it('serves a key as managedHsmGetKey.json does: no location, unlike a vault key', async () => {
    const [version] = double.state.versionIds('hsm-plain', 'pp-key');
    const { status, body } = await onArm(`${hsmId('hsm-plain')}/keys/pp-key`);
    expect(status).toBe(200);
    expect(body).toEqual({
      id: `${hsmId('hsm-plain')}/keys/pp-key`,
      name: 'pp-key',
      type: 'Microsoft.KeyVault/managedHSMs/keys',
      properties: {
        attributes: expect.objectContaining({
          enabled: true,
          exp: expect.any(Number) as unknown,
          recoveryLevel: 'Recoverable+Purgeable',
        }) as unknown,
        kty: 'RSA-HSM',
        keyOps: expect.any(Array) as unknown,
        keySize: 2048,
        keyUri: `${double.vaultUris['hsm-plain']}keys/pp-key`,
        keyUriWithVersion: `${double.vaultUris['hsm-plain']}keys/pp-key/${version}`,
      },
    });
    expect((await onArm(`${vaultId('kv-plain')}/keys/pp-key`)).body).toMatchObject({
      type: 'Microsoft.KeyVault/vaults/keys',
      location: expect.any(String) as unknown,
    });
  });

  it('lists versions and reads one by its id, as managedHsmListKeyVersions.json and managedHsmGetKeyVersion.json do', async () => {
    const [version] = double.state.versionIds('hsm-plain', 'pp-key');
    const listed = (await onArm(`${hsmId('hsm-plain')}/keys/pp-key/versions`)).body;
    expect(listed?.value).toEqual([
      {
        id: `${hsmId('hsm-plain')}/keys/pp-key/versions/${version}`,
        name: version,
        type: 'Microsoft.KeyVault/managedHSMs/keys/versions',
        properties: {
          attributes: expect.objectContaining({ enabled: true }) as unknown,
          keyUri: expect.any(String) as unknown,
          keyUriWithVersion: expect.stringMatching(new RegExp(`/${version}$`)) as unknown,
        },
      },
    ]);
    const one = (await onArm(`${hsmId('hsm-plain')}/keys/pp-key/versions/${version}`)).body;
    expect(one).toMatchObject({
      id: `${hsmId('hsm-plain')}/keys/pp-key/versions/${version}`,
      name: version,
      type: 'Microsoft.KeyVault/managedHSMs/keys/versions',
    });
    expect(one).not.toHaveProperty('location');
    // A vault's version reads the same way (getKeyVersion.json), with its location.
    const [vaultVersion] = double.state.versionIds('kv-plain', 'pp-key');
    expect((await onArm(`${vaultId('kv-plain')}/keys/pp-key/versions/${vaultVersion}`)).body).toMatchObject({
      id: `${vaultId('kv-plain')}/keys/pp-key/versions/${vaultVersion}`,
      name: vaultVersion,
      type: 'Microsoft.KeyVault/vaults/keys/versions',
      location: expect.any(String) as unknown,
    });
    const versions = [];
    for await (const item of arm.managedHsmKeys.listVersions('rg-hsm', 'hsm-plain', 'pp-key')) versions.push(item.name);
    expect(versions).toEqual([version]);
  });

  it("refuses a monitor the HSM does not admit with ARM's AuthorizationFailed", async () => {
    double.state.setVault('hsm-plain', { monitorAccess: 'forbidden' });
    try {
      expect(await onArm(`${hsmId('hsm-plain')}/keys/pp-key`)).toMatchObject({
        status: 403,
        body: {
          error: {
            code: 'AuthorizationFailed',
            message: expect.stringContaining("'Microsoft.KeyVault/managedHSMs/keys/read'") as unknown,
          },
        },
      });
    } finally {
      double.state.setVault('hsm-plain', { monitorAccess: 'ok' });
    }
  });
});

describe('the data plane of an HSM', () => {
  it("challenges for Managed HSM's token audience and serves the key API to KeyClient", async () => {
    const pipeline = createPipelineFromOptions({ tlsOptions: { ca: double.ca } });
    const unauthenticated = await pipeline.sendRequest(
      createDefaultHttpClient(),
      createPipelineRequest({ url: `${double.vaultUris['hsm-plain']}keys/pp-key?api-version=7.6` }),
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toContain('resource="https://managedhsm.azure.net"');
    expect((await wire(`${double.vaultUris['hsm-plain']}keys/pp-key?api-version=7.6`, hsmScope)).status).toBe(200);
    const key = await keyClient('hsm-plain').getKey('pp-key');
    expect(key).toMatchObject({
      name: 'pp-key',
      keyType: 'RSA-HSM',
      properties: { version: double.state.versionIds('hsm-plain', 'pp-key')[0] },
    });
  });

  it('keeps its network rules: a firewall that denies refuses the monitor on the data plane, while ARM serves the key', async () => {
    await expect(keyClient('hsm-closed').getKey('pp-key')).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining(
        'Client address is not authorized and caller is not a trusted service',
      ) as unknown,
    });
    expect(await arm.managedHsmKeys.get('rg-hsm', 'hsm-closed', 'pp-key')).toMatchObject({
      name: 'pp-key',
      kty: 'RSA-HSM',
    });
  });

  it('publishes no event for a write in an HSM, where the same write in a vault publishes one', async () => {
    const hsm = keyClient('hsm-plain');
    const created = await hsm.createKey('pp-key', 'RSA-HSM');
    await hsm.updateKeyProperties('pp-key', created.properties.version ?? '', {
      enabled: true,
      expiresOn: new Date(Date.now() + 5 * 86_400_000),
    });
    await hsm.updateKeyRotationPolicy('pp-key', { expiresIn: 'P90D' });
    await (await hsm.beginDeleteKey('pp-key')).pollUntilDone();
    double.state.setVault('hsm-plain', { purgeProtection: true });
    await double.eventsSettled();
    expect(double.state.vault('hsm-plain')?.deletedKeys.has('pp-key')).toBe(true);
    expect(receiver.notifications).toEqual([]);

    await keyClient('kv-plain').createKey('pp-key', 'RSA');
    await double.eventsSettled();
    expect(receiver.notifications).toEqual([
      { eventType: 'Microsoft.KeyVault.KeyNewVersionCreated', topic: vaultId('kv-plain') },
    ]);
  });
});
