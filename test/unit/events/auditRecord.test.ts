import { describe, expect, it } from 'vitest';
import { readAuditMessage, readAuditRecord } from '../../../shared/adapters/events/auditRecord.js';
import { withField } from '../../support/edit.js';

const SUB = '8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00';
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-cmk`;
const POLICY_IDENTITY = '0f6a3c2e-1b4d-4e8f-9a7c-5d2e1f0a3b4c';
const MONITOR_CLIENT = '7c1e9a2b-4d3f-4a6e-8b5c-2f1e0d9c8b7a';
const POWER_PLATFORM_APP = '1950a258-227b-4e31-a9cf-717495945fc2';
const VERSION = '6b1f0c9e2d7a4e3b8c5f1a0d9e8b7c6a';
/** The vault's id as records print it (upper case), with Resource Manager's own spelling of the segments put back. */
const RECORD_VAULT_ID = `/subscriptions/${SUB.toUpperCase()}/resourceGroups/RG-KEYS/providers/Microsoft.KeyVault/vaults/KV-CONTOSO-CMK`;

/**
 * A record as a diagnostic setting streams it, after Microsoft's example (learn.microsoft.com/azure/key-vault/general/
 * logging): upper-case resourceId, durationMs as a string, the long object-id claim, httpStatusCode a number.
 */
function record(
  operationName: string,
  httpStatusCode: number,
  path = `/keys/cmk-dataverse/${VERSION}`,
  application = POWER_PLATFORM_APP,
) {
  return {
    time: '2026-12-02T10:15:01.2691226Z',
    resourceId: VAULT_ID.toUpperCase(),
    operationName,
    operationVersion: '7.4',
    category: 'AuditEvent',
    resultType: 'Success',
    resultSignature: httpStatusCode === 403 ? 'Forbidden' : 'OK',
    resultDescription: '',
    durationMs: '12',
    callerIpAddress: '52.168.0.1',
    correlationId: '',
    identity: {
      claim: { 'http://schemas.microsoft.com/identity/claims/objectidentifier': POLICY_IDENTITY, appid: application },
    },
    properties: {
      clientInfo: 'PowerPlatform',
      requestUri: `https://kv-contoso-cmk.vault.azure.net${path}?api-version=7.4`,
      id: `https://kv-contoso-cmk.vault.azure.net${path}`,
      httpStatusCode,
    },
  };
}

/** When the record reached the Event Hub: a minute after Key Vault wrote it. */
const ARRIVED = new Date('2026-12-02T10:16:01.269Z');
const read = (raw: unknown, arrivedAt = ARRIVED) => readAuditRecord(raw, MONITOR_CLIENT, arrivedAt);

describe('readAuditMessage', () => {
  it('takes the envelope as an object, a JSON string or bytes', () => {
    const envelope = { records: [record('KeyUpdate', 200)] };
    for (const message of [envelope, JSON.stringify(envelope), Buffer.from(JSON.stringify(envelope))]) {
      expect(readAuditMessage(message)).toEqual({ kind: 'records', records: envelope.records });
    }
  });

  it('rejects a message that is not JSON or has no records, saying which', () => {
    expect(readAuditMessage('{"records": [')).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('expected JSON') as unknown,
    });
    expect(readAuditMessage({ value: [] })).toEqual({
      kind: 'rejected',
      reason: 'message.records: expected an array of diagnostic records',
    });
    expect(readAuditMessage([record('KeyUpdate', 200)])).toMatchObject({ kind: 'rejected' });
  });
});

describe('readAuditRecord', () => {
  it('reads a change to a key that Event Grid never publishes as a hint to re-read that key', () => {
    for (const operation of [
      'KeyUpdate',
      'KeyDelete',
      'KeyPurge',
      'KeyRecover',
      'KeyRotate',
      'KeyRotationPolicySet',
      'KeyImport',
      'KeyCreate',
    ]) {
      expect(read(record(operation, 200)), operation).toEqual({
        kind: 'hint',
        record: { operation, vaultName: 'KV-CONTOSO-CMK', at: '2026-12-02T10:15:01.269Z' },
        hint: {
          kind: 'key',
          vaultId: RECORD_VAULT_ID,
          vaultName: 'KV-CONTOSO-CMK',
          keyName: 'cmk-dataverse',
          version: VERSION,
        },
      });
    }
    expect(read(record('KeyPurge', 204, '/deletedkeys/cmk-dataverse'))).toMatchObject({
      hint: { keyName: 'cmk-dataverse', version: null },
    });
    expect(read(record('KeyRotationPolicySet', 200, '/keys/cmk-dataverse/rotationpolicy'))).toMatchObject({
      hint: { keyName: 'cmk-dataverse', version: null },
    });
  });

  it('re-reads the whole vault for a vault write, and for a key change that names no key (a restore)', () => {
    for (const operation of [
      'VaultPatch',
      'VaultPut',
      'VaultDelete',
      'VaultAccessPolicyChangedEventGridNotification',
    ]) {
      expect(read(record(operation, 200, '/')), operation).toMatchObject({
        kind: 'hint',
        hint: { kind: 'vault', vaultId: RECORD_VAULT_ID },
      });
    }
    expect(read(record('KeyRestore', 200, '/keys/restore'))).toMatchObject({ kind: 'hint', hint: { kind: 'vault' } });
  });

  it("reads a refused wrap, unwrap or get as a refusal by the caller, with the key's chain to re-read", () => {
    for (const [operation, status] of [
      ['KeyUnwrap', 403],
      ['KeyWrap', 401],
      ['KeyGet', 404],
    ] as const) {
      expect(read(record(operation, status)), operation).toEqual({
        kind: 'refusal',
        record: { operation, vaultName: 'KV-CONTOSO-CMK', at: '2026-12-02T10:15:01.269Z' },
        refusal: {
          vaultId: RECORD_VAULT_ID,
          vaultName: 'KV-CONTOSO-CMK',
          keyName: 'cmk-dataverse',
          principalId: POLICY_IDENTITY,
          operation,
          status,
          at: '2026-12-02T10:15:01.269Z',
          arrivedAt: '2026-12-02T10:16:01.269Z',
        },
        hint: {
          kind: 'key',
          vaultId: RECORD_VAULT_ID,
          vaultName: 'KV-CONTOSO-CMK',
          keyName: 'cmk-dataverse',
          version: null,
        },
      });
    }
  });

  it('reads a successful wrap, unwrap or get as a use of the key by its caller', () => {
    expect(read(record('KeyUnwrap', 200))).toEqual({
      kind: 'use',
      record: { operation: 'KeyUnwrap', vaultName: 'KV-CONTOSO-CMK', at: '2026-12-02T10:15:01.269Z' },
      use: {
        vaultId: RECORD_VAULT_ID,
        vaultName: 'KV-CONTOSO-CMK',
        keyName: 'cmk-dataverse',
        principalId: POLICY_IDENTITY,
        operation: 'KeyUnwrap',
        at: '2026-12-02T10:15:01.269Z',
        arrivedAt: '2026-12-02T10:16:01.269Z',
      },
      hint: {
        kind: 'key',
        vaultId: RECORD_VAULT_ID,
        vaultName: 'KV-CONTOSO-CMK',
        keyName: 'cmk-dataverse',
        version: null,
      },
    });
  });

  it('takes the short oid claim of newer records, and the reason phrase when the status code is missing', () => {
    const short = withField(record('KeyUnwrap', 403), 'identity', { claim: { oid: POLICY_IDENTITY.toUpperCase() } });
    expect(read(short)).toMatchObject({ kind: 'refusal', refusal: { principalId: POLICY_IDENTITY } });
    const noCode = {
      ...record('KeyUnwrap', 403),
      properties: { id: `https://kv-contoso-cmk.vault.azure.net/keys/cmk-dataverse` },
    };
    expect(read({ ...noCode, resultSignature: 'Forbidden' })).toMatchObject({
      kind: 'refusal',
      refusal: { status: 403 },
    });
    expect(read({ ...noCode, resultSignature: 'Not Found' })).toMatchObject({
      kind: 'refusal',
      refusal: { status: 404 },
    });
  });

  it("leaves alone the monitor's own calls, successful uses, refused writes, reads and other categories", () => {
    expect(read(record('KeyUpdate', 200, `/keys/cmk-dataverse/${VERSION}`, MONITOR_CLIENT))).toMatchObject({
      kind: 'ignored',
      reason: "the monitor's own call",
    });
    expect(read(record('KeyGet', 403, `/keys/cmk-dataverse/${VERSION}`, MONITOR_CLIENT.toUpperCase()))).toMatchObject({
      kind: 'ignored',
      reason: "the monitor's own call",
    });
    const v2 = withField(record('KeyGet', 403), 'identity', { claim: { oid: POLICY_IDENTITY, azp: MONITOR_CLIENT } });
    expect(read(v2)).toMatchObject({ kind: 'ignored', reason: "the monitor's own call" });
    expect(read(record('KeyUnwrap', 429))).toMatchObject({ kind: 'ignored', reason: 'KeyUnwrap answered 429' });
    expect(read(record('KeyUpdate', 403))).toMatchObject({
      kind: 'ignored',
      reason: 'KeyUpdate answered 403: nothing changed',
    });
    expect(read(record('KeyList', 200, '/keys'))).toMatchObject({
      kind: 'ignored',
      reason: 'KeyList changes no chain',
    });
    expect(read(record('Authentication', 401, '/'))).toMatchObject({ kind: 'ignored' });
    expect(read({ ...record('KeyUpdate', 200), category: 'AzurePolicyEvaluationDetails' })).toMatchObject({
      kind: 'ignored',
      record: null,
    });
    expect(
      read({
        ...record('KeyUpdate', 200),
        resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st`,
      }),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('is not a Key Vault') as unknown,
    });
  });

  it('rejects a record without its resource id, operation, time or status, or with a refusal by no one, saying which field', () => {
    const { resourceId: _r, ...noResource } = record('KeyUpdate', 200);
    expect(read(noResource)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^record\.resourceId: /) as unknown,
    });
    expect(read(withField(record('KeyUpdate', 200), 'operationName', 'Key\nUpdate'))).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^record\.operationName: /) as unknown,
    });
    expect(read(withField(record('KeyUpdate', 200), 'time', 'yesterday'))).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^record\.time: /) as unknown,
    });
    expect(read({ ...record('KeyUpdate', 200), properties: {}, resultSignature: undefined })).toEqual({
      kind: 'rejected',
      reason: 'record.properties.httpStatusCode: expected the HTTP status of the call',
    });
    expect(read(withField(record('KeyUnwrap', 403), 'identity', { claim: { appid: 'x' } }))).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^record\.identity\.claim: /) as unknown,
    });
    expect(read('KeyUpdate')).toEqual({ kind: 'rejected', reason: 'record: expected an object' });
    const markup = {
      ...record('KeyUnwrap', 403),
      resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv<img src=x>`,
    };
    expect(read(markup)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(
        /^record\.resourceId: expected a subscription id, a resource group name and a vault name/,
      ) as unknown,
    });
    expect(read(withField(record('KeyUpdate', 200), 'properties', { httpStatusCode: '200' }))).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^record\.properties\.httpStatusCode: /) as unknown,
    });
  });

  it('rejects a record dated more than 5 minutes after it reached the Event Hub, or before the hub would still hold it', () => {
    const at = (minutes: number) => new Date(Date.parse('2026-12-02T10:15:01.269Z') + minutes * 60_000);
    expect(read(withField(record('KeyWrap', 403), 'time', '9999-12-31T00:00:00Z'))).toEqual({
      kind: 'rejected',
      reason:
        'record.time: expected a time at most 5 minutes after the record reached the Event Hub (2026-12-02T10:16:01.269Z), got 9999-12-31T00:00:00.000Z',
    });
    expect(read(record('KeyWrap', 403), at(-5))).toMatchObject({ kind: 'refusal' });
    expect(read(record('KeyWrap', 403), at(-5 - 1 / 60_000))).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^record\.time: expected a time at most 5 minutes after/) as unknown,
    });
    expect(read(record('KeyWrap', 403), at(24 * 60))).toMatchObject({ kind: 'refusal' });
    expect(read(record('KeyWrap', 403), at(24 * 60 + 1 / 60_000))).toEqual({
      kind: 'rejected',
      reason:
        "record.time: expected a time at most 24 hours (the Event Hub's retention) before the record reached it (2026-12-03T10:15:01.270Z), got 2026-12-02T10:15:01.269Z",
    });
    expect(read({ ...record('KeyUpdate', 200), category: 'AzurePolicyEvaluationDetails' }, at(-60))).toMatchObject({
      kind: 'rejected',
    });
  });
});
