import { describe, expect, it } from 'vitest';
import { readEvent, type EventReading } from '../../../shared/adapters/events/readEvent.js';
import { withField } from '../../support/edit.js';

const SUB = '8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00';
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-cmk`;
const ASSIGNMENT = `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/5c3d9e1a-7b2f-4c8d-9e0a-1b2c3d4e5f60`;

/** A KeyNearExpiry as the vault's system topic delivers it in the Event Grid schema. */
function keyEvent(type = 'Microsoft.KeyVault.KeyNearExpiry') {
  return {
    id: '6f1c2b7e-3d4a-4e5f-8a9b-0c1d2e3f4a5b',
    topic: VAULT_ID,
    subject: 'cmk-dataverse',
    eventType: type,
    eventTime: '2026-11-22T08:00:00.0000000Z',
    data: {
      Id: 'https://kv-contoso-cmk.vault.azure.net/keys/cmk-dataverse/6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a',
      VaultName: 'kv-contoso-cmk',
      ObjectType: 'Key',
      ObjectName: 'cmk-dataverse',
      Version: '6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a',
      NBF: 1_760_000_000,
      EXP: 1_766_000_000,
    },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

function asCloudEvent(event: Omit<ReturnType<typeof keyEvent>, 'data'> & { data: Record<string, unknown> }) {
  return {
    specversion: '1.0',
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    data: event.data,
  };
}

/** A role assignment deletion from the subscription's ARM system topic. */
function resourceEvent(operationName = 'Microsoft.Authorization/roleAssignments/delete', resourceUri = ASSIGNMENT) {
  return {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    topic: `/subscriptions/${SUB}`,
    subject: resourceUri,
    eventType: operationName.endsWith('/delete')
      ? 'Microsoft.Resources.ResourceDeleteSuccess'
      : 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2026-11-22T08:00:00Z',
    data: {
      authorization: { scope: resourceUri, action: operationName, evidence: { role: 'Owner' } },
      resourceProvider: operationName.split('/')[0],
      resourceUri,
      operationName,
      status: 'Succeeded',
      subscriptionId: SUB,
    },
    dataVersion: '2',
  };
}

function hintOf(reading: EventReading) {
  if (reading.kind !== 'hint') throw new Error(`expected a hint, got ${JSON.stringify(reading)}`);
  return reading.hint;
}

function reasonOf(reading: EventReading): string {
  if (reading.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(reading)}`);
  return reading.reason;
}

describe('readEvent: Key Vault key events', () => {
  it('reads a key event in the Event Grid schema as a hint to re-read that key', () => {
    expect(hintOf(readEvent(keyEvent()))).toEqual({
      kind: 'key',
      vaultId: VAULT_ID,
      vaultName: 'kv-contoso-cmk',
      keyName: 'cmk-dataverse',
      version: '6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a',
    });
  });

  it('reads the same event as a CloudEvent', () => {
    expect(hintOf(readEvent(asCloudEvent(keyEvent())))).toEqual(hintOf(readEvent(keyEvent())));
  });

  it('matches data keys whatever their case', () => {
    const event = keyEvent();
    const camel = {
      ...event,
      data: Object.fromEntries(Object.entries(event.data).map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), v])),
    };
    const upper = {
      ...event,
      data: Object.fromEntries(Object.entries(event.data).map(([k, v]) => [k.toUpperCase(), v])),
    };
    expect(hintOf(readEvent(camel))).toEqual(hintOf(readEvent(event)));
    expect(hintOf(readEvent(upper))).toEqual(hintOf(readEvent(event)));
  });

  it('matches data keys with spaces around them, as Microsoft documents "ObjectName "', () => {
    // MicrosoftDocs/azure-docs articles/event-grid/event-schema-key-vault.md prints `"ObjectName "`, with NBF/EXP as
    // strings and a Version with a leading space.
    const event = keyEvent();
    const spaced = {
      ...event,
      data: {
        Id: event.data.Id,
        ' VaultName': event.data.VaultName,
        ObjectType: 'Key',
        'ObjectName ': event.data.ObjectName,
        Version: ` ${event.data.Version}`,
        ' NBF ': String(event.data.NBF),
        EXP: String(event.data.EXP),
      },
    };
    expect(hintOf(readEvent(spaced))).toEqual(hintOf(readEvent(event)));
    expect(hintOf(readEvent(asCloudEvent(spaced)))).toEqual(hintOf(readEvent(event)));
  });

  it('matches the data keys of a resource event with spaces around them', () => {
    const event = resourceEvent();
    const { operationName, resourceUri, ...rest } = event.data;
    const spaced = { ...event, data: { ...rest, 'operationName ': operationName, ' resourceUri': resourceUri } };
    expect(hintOf(readEvent(spaced))).toEqual({ kind: 'access', scope: VAULT_ID });
  });

  it.each([
    ['numbers', 1_766_000_000],
    ['numeric strings', '1766000000'],
    ['null', null],
    ['empty strings', ''],
    ['absent', undefined],
    ['the last second Key Vault can hold', 253_402_300_799],
  ])('accepts NBF and EXP as %s', (_, value) => {
    expect(hintOf(readEvent(withField(withField(keyEvent(), 'data.EXP', value), 'data.NBF', value)))).toMatchObject({
      kind: 'key',
    });
  });

  it.each([
    ['data.EXP', 1e300, 'data.exp: expected a date before the year 10000'],
    ['data.EXP', '99999999999999', 'data.exp: expected a date before the year 10000'],
    ['data.EXP', 253_402_300_800, 'data.exp: expected a date before the year 10000'],
    ['data.NBF', -1e15, 'data.nbf: expected a date after 1970'],
    ['data.NBF', '1'.repeat(400), 'data.nbf: expected Unix seconds'],
    ['data.Version', 'x'.repeat(100_000), 'data.version: expected a key version (32 hexadecimal digits)'],
    ['data.Version', '<b>6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c</b>', 'data.version: expected a key version'],
    ['data.VaultName', 'kv-contoso-cmk\r\nINFO forged', 'data.vaultname: expected a Key Vault name'],
    ['data.VaultName', 'kv-<script>', 'data.vaultname: expected a Key Vault name'],
    ['data.ObjectName', 'k'.repeat(128), 'data.objectname: expected a key name'],
    ['data.ObjectName', 'cmk\u202Eyek', 'data.objectname: expected a key name'],
    ['id', 'i'.repeat(900_000), 'event.id: expected at most 512 characters'],
    ['subject', 's'.repeat(3_000), 'event.subject: expected at most 2048 characters'],
  ])('rejects %s out of what Key Vault and Event Grid send (%#), quoting none of it', (path, value, reason) => {
    const rejected = reasonOf(readEvent(withField(keyEvent(), path, value)));
    expect(rejected.startsWith(reason)).toBe(true);
    expect(rejected.length).toBeLessThan(300);
    expect(rejected).not.toMatch(/[\r\n<\u202E]/);
  });

  it.each([
    ['data.EXP', 'next week', 'data.exp'],
    ['data.NBF', true, 'data.nbf'],
    ['data.EXP', { seconds: 1 }, 'data.exp'],
    ['data.VaultName', undefined, 'data.vaultname'],
    ['data.VaultName', 42, 'data.vaultname'],
    ['data.ObjectName', undefined, 'data.objectname'],
    ['data.ObjectName', '  ', 'data.objectname'],
    ['data.Version', 7, 'data.version'],
    ['data', undefined, 'event.data'],
    ['data', 'a string', 'event.data'],
    ['data', [1, 2], 'event.data'],
    ['id', undefined, 'event.id'],
    ['id', 12, 'event.id'],
    ['eventType', undefined, 'event.eventType'],
    ['subject', undefined, 'event.subject'],
    ['eventTime', undefined, 'event.eventTime'],
    ['dataVersion', undefined, 'event.dataVersion'],
  ])('rejects %s = %j with the path of the bad field', (path, value, reported) => {
    expect(reasonOf(readEvent(withField(keyEvent(), path, value)))).toMatch(
      new RegExp(`^${reported.replace('.', '\\.')}:`),
    );
  });

  it.each([
    ['specversion', '0.3', 'event.specversion'],
    ['source', undefined, 'event.source'],
    ['type', '', 'event.type'],
    ['data', null, 'event.data'],
  ])('rejects a CloudEvent whose %s is %j', (path, value, reported) => {
    expect(reasonOf(readEvent(withField(asCloudEvent(keyEvent()), path, value)))).toMatch(
      new RegExp(`^${reported.replace('.', '\\.')}:`),
    );
  });

  it('rejects a key event whose vault name is not the vault of its topic', () => {
    expect(reasonOf(readEvent(withField(keyEvent(), 'data.VaultName', 'kv-other')))).toContain(
      "data.VaultName: 'kv-other' is not the vault of topic",
    );
  });

  it('takes the vault name alone when the topic is not a vault id', () => {
    expect(hintOf(readEvent(withField(keyEvent(), 'topic', undefined)))).toMatchObject({
      vaultId: null,
      vaultName: 'kv-contoso-cmk',
    });
  });

  it.each([
    'Microsoft.KeyVault.KeyNewVersionCreated',
    'Microsoft.KeyVault.KeyExpired',
    'microsoft.keyvault.keynearexpiry',
  ])('reads %s as a key hint', (type) => {
    expect(hintOf(readEvent(keyEvent(type)))).toMatchObject({ kind: 'key', keyName: 'cmk-dataverse' });
  });

  it.each([
    'Microsoft.KeyVault.KeyExpired\r\nINFO forged',
    'Microsoft.KeyVault.Key<script>',
    'Microsoft.KeyVault.KeyNearExpiry\u202E',
    'Microsoft.KeyVault.Key',
  ])('rejects %j, whose type would become the source of a status change, quoting it safely', (type) => {
    const reason = reasonOf(readEvent(keyEvent(type)));
    expect(reason).toMatch(/^eventType: expected a Key Vault event type/);
    expect(reason).not.toMatch(/[\r\n\u202E]/);
    expect(reasonOf(readEvent(asCloudEvent(keyEvent(type))))).toMatch(/^type: /);
  });

  it.each([
    'Microsoft.KeyVault.SecretNearExpiry',
    'Microsoft.KeyVault.CertificateNewVersionCreated',
    'Microsoft.Storage.BlobCreated',
  ])('acknowledges %s without processing it', (type) => {
    expect(readEvent({ ...keyEvent(type), data: { anything: true } })).toMatchObject({
      kind: 'ignored',
      event: { type },
    });
  });
});

describe('readEvent: vault and access events', () => {
  it('reads VaultAccessPolicyChanged as a hint to re-read the vault', () => {
    const event = {
      ...keyEvent('Microsoft.KeyVault.VaultAccessPolicyChanged'),
      subject: 'kv-contoso-cmk',
      data: { VaultName: 'kv-contoso-cmk', ObjectType: 'Vault' },
    };
    expect(hintOf(readEvent(event))).toEqual({ kind: 'vault', vaultId: VAULT_ID });
    expect(reasonOf(readEvent({ ...event, topic: '/subscriptions/x' }))).toMatch(
      /^topic: expected the ARM id of a Key Vault/,
    );
  });

  it('reads a role assignment write or delete as a hint to re-read access at its scope', () => {
    expect(hintOf(readEvent(resourceEvent()))).toEqual({ kind: 'access', scope: VAULT_ID });
    const atSubscription = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/0f0e0d0c-0000-4000-8000-000000000000`;
    expect(hintOf(readEvent(resourceEvent('Microsoft.Authorization/roleAssignments/write', atSubscription)))).toEqual({
      kind: 'access',
      scope: `/subscriptions/${SUB}`,
    });
  });

  it('reads a role definition change as a hint that access may have changed anywhere', () => {
    const definition = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/0f0e0d0c-0000-4000-8000-000000000000`;
    expect(hintOf(readEvent(resourceEvent('Microsoft.Authorization/roleDefinitions/write', definition)))).toEqual({
      kind: 'access',
      scope: '',
    });
  });

  it.each(['Microsoft.KeyVault/vaults/write', 'Microsoft.KeyVault/vaults/delete'])(
    'reads %s as a hint to re-read the vault',
    (operation) => {
      expect(hintOf(readEvent(resourceEvent(operation, VAULT_ID)))).toEqual({ kind: 'vault', vaultId: VAULT_ID });
    },
  );

  it('reads an access policy write below the vault as a hint for the vault', () => {
    expect(
      hintOf(
        readEvent(resourceEvent('Microsoft.KeyVault/vaults/accessPolicies/write', `${VAULT_ID}/accessPolicies/add`)),
      ),
    ).toEqual({
      kind: 'vault',
      vaultId: VAULT_ID,
    });
  });

  it('acknowledges writes to other resources without processing them', () => {
    const storage = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1`;
    expect(readEvent(resourceEvent('Microsoft.Storage/storageAccounts/write', storage))).toMatchObject({
      kind: 'ignored',
    });
  });

  it.each([
    ['data.resourceUri', undefined, /^data\.resourceuri:/],
    ['data.operationName', 5, /^data\.operationname:/],
    ['data.resourceUri', `/subscriptions/${SUB}/resourceGroups/rg`, /is not a role assignment id/],
  ])('rejects %s = %j', (path, value, reason) => {
    expect(reasonOf(readEvent(withField(resourceEvent(), path, value)))).toMatch(reason);
  });
});

describe('readEvent: what is not an event', () => {
  it.each([
    [null, 'event: expected an object, got null'],
    ['text', 'event: expected an object, got string'],
    [42, 'event: expected an object, got number'],
    [[keyEvent()], 'event: expected an object, got an array'],
  ])('rejects %j', (raw, reason) => {
    expect(reasonOf(readEvent(raw))).toBe(reason);
  });

  it('reads a huge event without throwing, on its fields alone', () => {
    const huge = withField(keyEvent(), 'data.Padding', 'x'.repeat(2_000_000));
    expect(hintOf(readEvent(huge))).toMatchObject({ keyName: 'cmk-dataverse' });
  });
});
