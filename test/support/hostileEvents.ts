/**
 * A fixed corpus of hostile Event Grid deliveries for the fault suite (test/integration/events/fuzz.test.ts).
 *
 * Randomness comes from mulberry32, a 32-bit PRNG written out below (no dependency, no crypto), with a fixed seed:
 * every run builds the same bodies. Every event is a real shape (as test/support/eventPayloads.ts builds them: Key
 * Vault key and access policy events, Resource Manager write/delete events, in the Event Grid schema and as
 * CloudEvents) with hostile values put in, and carries the outcome the monitor owes it, decided here from those
 * schemas and docs/architecture.md, "Events", never by asking `readEvent`.
 */

export type Outcome = 'processed' | 'unaffected' | 'ignored' | 'rejected';

/** What a monitored tenant holds, for events that name it. */
export interface Target {
  subscriptionId: string;
  /** Vaults some policy uses, with the keys policies use in each. */
  watched: { name: string; id: string; keys: string[] }[];
}

export interface Delivery {
  category: string;
  functionName: string;
  method: 'POST' | 'PUT';
  body: string | Uint8Array;
  /** The webhook's answer: never 5xx. */
  status: 200 | 400 | 404 | 405 | 413;
  /** One entry per event the function is invoked with. */
  outcomes: Outcome[];
  /** What was done to each of those events. */
  families: string[];
  /** Ids of rejected events whose stored payload must still show them (`"id":"<id>"`). */
  keptIds: string[];
}

/** Text no stored status, finding or log line may carry once the corpus has run. */
export const hostileMarkers = ['<script', '\u202e', '\r\n', 'forged', '\u0000'];

export const seed = 0x5eed_0012;

/** The Functions host's webhook body limit. */
export const maxBody = 1024 * 1024;

function mulberry32(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Json = unknown;

/** One event as JSON text (some hostile values exist only as text: 1e400, duplicate keys, lone surrogates). */
interface Made {
  family: string;
  text: string;
  outcome: Outcome;
  keptId?: string;
}

/**
 * Values no key name, vault name or version may hold. ('\u2028forged\u2029' trims to 'forged': as a vault name it
 * is rejected only because it is not the vault of the topic; as a key name it would be valid, so it is left out there.)
 */
const hostileText = [
  '<script>alert("forged")</script>',
  'kv-main\r\nforged: true',
  '\u202eforged-gpj.exe',
  'forged\u0000name',
  '<img src=x onerror=alert(1)>',
  "'; DROP TABLE Status; --forged",
  '\u2028forged\u2029',
  '${process.exit(1)}forged',
  '../../forged',
  'forged\u200b\u200dzero-width',
];

const badDates: Json[] = [
  1e300,
  -1e15,
  '99999999999999',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e9',
  '0x10',
  ' ',
  '99999999999999999999',
  '123456789012345678901234567890',
  '253402300800',
  '-1',
  -1,
  true,
  false,
  {},
  [],
  [1_700_000_000],
  { $date: 1 },
  '１７００００００００',
  '1700000000\u0000',
  'forged<script>',
  '1700000000 forged',
  253_402_300_800,
];
/** In range or empty: the event is valid (Unix seconds as number, numeric string, null, '' or absent). */
const goodDates: Json[] = [
  0,
  '0',
  '',
  null,
  ' 1700000000 ',
  '253402300799',
  1.5,
  '1700000000.25',
  '1700000000\n',
  1_760_000_000,
];

const badVersions: Json[] = [
  'a'.repeat(100_000),
  '<script>alert(1)</script>',
  'abc\r\ndef',
  `\u202e${'a'.repeat(31)}`,
  `${'a'.repeat(31)}\u0000`,
  'a'.repeat(31),
  'a'.repeat(33),
  'g'.repeat(32),
  12345,
  {},
  ['0'.repeat(32)],
  true,
];
const badVaultNames: Json[] = [
  ...hostileText,
  'kv-' + 'a'.repeat(30),
  '',
  '   ',
  123,
  null,
  ['kv-main'],
  { name: 'kv-main' },
  'kv_main',
  'kv-main-',
  '1kv-main',
  'k',
];
const badObjectNames: Json[] = [
  ...hostileText.filter((text) => !text.startsWith('\u2028')),
  'k'.repeat(128),
  '',
  '   ',
  null,
  42,
  ['k-healthy'],
  'k healthy',
  'k-healthy/../x',
  'k.healthy',
  'k-healthy\u0000',
];

export function hostileCorpus(target: Target, deliveries = 1_100): Delivery[] {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => random() < p;
  let serial = 0;
  const nextId = () => `fuzz-${String(++serial).padStart(6, '0')}`;
  const hex = () => Array.from({ length: 32 }, () => '0123456789abcdef'[int(16)]).join('');

  const sub = target.subscriptionId;
  const rg = (vaultId: string) => vaultId.split('/providers/')[0] ?? vaultId;
  const watchedKey = () => {
    const vault = pick(target.watched);
    return { vault, key: pick(vault.keys) };
  };
  const otherVaultId = `/subscriptions/${sub}/resourceGroups/rg-elsewhere/providers/Microsoft.KeyVault/vaults/kv-nowhere`;

  // Real shapes, as the vault's and the subscription's system topics send them.
  const keyEvent = (vaultId: string, vaultName: string, keyName: string, type: string) => ({
    id: nextId(),
    topic: vaultId,
    subject: keyName,
    eventType: `Microsoft.KeyVault.${type}`,
    eventTime: '2026-11-22T08:00:00.0000000Z',
    data: {
      Id: `https://${vaultName}.vault.azure.net/keys/${keyName}/${hex()}`,
      VaultName: vaultName,
      ObjectType: 'Key',
      ObjectName: keyName,
      Version: hex(),
      NBF: 1_760_000_000,
      EXP: 1_790_000_000,
    } as Record<string, Json>,
    dataVersion: '1',
    metadataVersion: '1',
  });
  const accessPolicyEvent = (vaultId: string, vaultName: string) => ({
    id: nextId(),
    topic: vaultId,
    subject: vaultName,
    eventType: 'Microsoft.KeyVault.VaultAccessPolicyChanged',
    eventTime: '2026-11-22T08:00:00Z',
    data: {
      Id: `https://${vaultName}.vault.azure.net/`,
      VaultName: vaultName,
      ObjectType: 'Vault',
      ObjectName: vaultName,
      Version: null,
      NBF: null,
      EXP: null,
    } as Record<string, Json>,
    dataVersion: '1',
    metadataVersion: '1',
  });
  const armEvent = (operationName: string, resourceUri: string, subscriptionId = sub) => ({
    id: nextId(),
    topic: `/subscriptions/${subscriptionId}`,
    subject: resourceUri,
    eventType: operationName.endsWith('/delete')
      ? 'Microsoft.Resources.ResourceDeleteSuccess'
      : 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2026-11-22T08:00:00Z',
    data: {
      authorization: {
        scope: resourceUri,
        action: operationName,
        evidence: { role: 'Owner', principalId: '00000000-0000-4000-8000-00000000dead' },
      },
      claims: { name: 'Mallory' },
      correlationId: '00000000-0000-4000-8000-000000000001',
      resourceProvider: operationName.split('/')[0],
      resourceUri,
      operationName,
      status: 'Succeeded',
      subscriptionId,
      tenantId: '00000000-0000-4000-8000-000000000002',
    } as Record<string, Json>,
    dataVersion: '2',
    metadataVersion: '1',
  });
  type EventGridShape =
    ReturnType<typeof keyEvent> | ReturnType<typeof accessPolicyEvent> | ReturnType<typeof armEvent>;
  const asCloudEvent = (event: EventGridShape) => ({
    specversion: '1.0',
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    datacontenttype: 'application/json',
    data: event.data,
  });
  /** Either schema, half and half. */
  const wire = (event: EventGridShape): Record<string, Json> => (chance(0.5) ? asCloudEvent(event) : event);
  const assignmentId = (scope: string) =>
    `${scope}/providers/Microsoft.Authorization/roleAssignments/${hex().slice(0, 8)}-aaaa-4bbb-8ccc-${hex().slice(0, 12)}`;
  const deep = (levels: number, leaf = '1') => `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
  const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  const made = (family: string, event: Json, outcome: Outcome): Made => {
    const id = (event as { id?: unknown } | null)?.id;
    const kept = outcome === 'rejected' && typeof id === 'string' && id.startsWith('fuzz-') ? { keptId: id } : {};
    return { family, text: JSON.stringify(event), outcome, ...kept };
  };
  /** Sets a field of the event's data, or removes it (undefined). */
  const setData = <T extends object>(event: T, key: string, value: Json): T => {
    const data = (event as { data: Record<string, Json> }).data;
    if (value === undefined) delete data[key];
    else data[key] = value;
    return event;
  };
  const set = <T extends object>(event: T, key: string, value: Json): T => {
    const fields = event as Record<string, Json>;
    if (value === undefined) delete fields[key];
    else fields[key] = value;
    return event;
  };

  /** Twists that leave a key event valid: what it names is still a real key, the rest is noise. */
  const validTwist = (event: Record<string, Json>, cloud: boolean) => {
    const twists = [
      () =>
        set(
          event,
          'id',
          `${event.id as string}${pick(['<script>alert(1)</script>', '\r\nforged: log line', '\u202eforged', '\n'])}`,
        ),
      () => set(event, 'subject', pick(hostileText).repeat(5).slice(0, 2_048)),
      () => set(event, cloud ? 'time' : 'eventTime', pick(['forged', 'yesterday<script>', '9999-99-99T99:99:99Z'])),
      () => setData(event, 'Forged', pick(hostileText)),
      () => setData(event, 'EXP', pick(goodDates)),
      () => setData(event, 'NBF', pick(goodDates)),
      () => setData(event, 'Version', pick([null, '', undefined, ` ${hex()}`, hex().toUpperCase()])),
      () => set(event, 'extra', { nested: [pick(hostileText), 1e300, null] }),
      () => setData(event, 'ObjectType', pick(hostileText)),
      () => setData(event, 'Id', pick(hostileText)),
    ];
    for (let n = 1 + int(3); n > 0; n--) pick(twists)();
    return event;
  };

  const families: [weight: number, make: () => Made][] = [
    // ---- valid, naming a watched key, vault or scope: the monitor re-reads it (a minority: each costs reads) ----
    [
      3,
      () => {
        const { vault, key } = watchedKey();
        const event = wire(
          keyEvent(vault.id, vault.name, key, pick(['KeyNewVersionCreated', 'KeyNearExpiry', 'KeyExpired'])),
        );
        return made('valid key event, hostile noise', validTwist(event, 'specversion' in event), 'processed');
      },
    ],
    [
      1,
      () => {
        const { vault, key } = watchedKey();
        const event = keyEvent(vault.id, vault.name, key, 'KeyNearExpiry');
        const data = event.data;
        // The docs' own spelling: "ObjectName " with a trailing space, dates as strings, a version with a leading space.
        const variants = [
          () => ({
            ...data,
            'ObjectName ': ` ${key.toUpperCase()}`,
            ObjectName: undefined,
            NBF: '1559081980',
            EXP: '1559082000',
            Version: ` ${hex()}`,
          }),
          () => Object.fromEntries(Object.entries(data).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v])),
          () => ({ ...data, VaultName: ` ${vault.name.toUpperCase()} ` }),
        ];
        const twisted = { ...event, data: pick(variants)() };
        const topic = pick([
          vault.id,
          vault.id.toUpperCase(),
          undefined,
          'not an ARM id <script>',
          `${vault.id}/keys/${key}`,
        ]);
        return made('valid key event, odd spelling', set(twisted, 'topic', topic), 'processed');
      },
    ],
    [
      1,
      () => {
        const vault = pick(target.watched);
        const event = accessPolicyEvent(vault.id, vault.name);
        event.data = pick([
          {},
          { Forged: pick(hostileText) },
          { nested: JSON.parse(deep(50)) as Json },
          { VaultName: pick(hostileText), Version: 'a'.repeat(1_000) },
        ]);
        return made('valid access policy event, hostile data', wire(event), 'processed');
      },
    ],
    [
      1,
      () => {
        const vault = pick(target.watched);
        const scope = pick([vault.id, rg(vault.id), `/subscriptions/${sub}`, `${vault.id}/keys/${pick(vault.keys)}`]);
        const event = armEvent(
          `Microsoft.Authorization/roleAssignments/${pick(['write', 'delete'])}`,
          assignmentId(scope),
        );
        setData(event, 'claims', { name: pick(hostileText), nested: JSON.parse(deep(100)) as Json });
        return made('valid role assignment event', wire(event), 'processed');
      },
    ],
    [
      0.5,
      () => {
        const vault = pick(target.watched);
        const event = armEvent(
          `Microsoft.KeyVault/vaults/${pick(['write', 'delete'])}`,
          pick([vault.id, `${vault.id}/accessPolicies/add`]),
        );
        setData(event, 'authorization', pick(hostileText));
        return made('valid vault write event', wire(event), 'processed');
      },
    ],
    [
      0.15,
      () =>
        made(
          'valid role definition event',
          wire(
            armEvent(
              'Microsoft.Authorization/roleDefinitions/write',
              `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${hex()}`,
            ),
          ),
          'processed',
        ),
    ],

    // ---- valid, naming nothing a policy uses: acknowledged as unaffected without a read ----
    [
      2,
      () => {
        const vault = pick(target.watched);
        const event = wire(
          keyEvent(
            vault.id,
            vault.name,
            pick(['k-unused', 'k-forged', 'K'.repeat(127)]),
            pick(['KeyNewVersionCreated', 'KeyNearExpiry', 'KeyExpired']),
          ),
        );
        return made('valid key event, unwatched key', validTwist(event, 'specversion' in event), 'unaffected');
      },
    ],
    [
      1,
      () => {
        // A topic that is no vault id: the vault is known by name only, and no policy's vault has this one.
        const event = keyEvent('not an ARM id', 'kv-nowhere', 'k-healthy', 'KeyExpired');
        const topic = pick(['not an ARM id', undefined, '/subscriptions/x/forged', '<script>forged</script>']);
        return made(
          'valid key event, unknown vault',
          topic === undefined ? set(event, 'topic', undefined) : wire(set(event, 'topic', topic)),
          'unaffected',
        );
      },
    ],
    [
      1,
      () =>
        made(
          'valid access policy event, unwatched vault',
          wire(accessPolicyEvent(otherVaultId, 'kv-nowhere')),
          'unaffected',
        ),
    ],
    [
      1,
      () => {
        const other = '22222222-2222-4222-8222-222222222222';
        return made(
          'valid role assignment event, other subscription',
          wire(
            armEvent('Microsoft.Authorization/roleAssignments/write', assignmentId(`/subscriptions/${other}`), other),
          ),
          'unaffected',
        );
      },
    ],
    [
      1,
      () =>
        made(
          'valid vault event, unwatched vault',
          wire(armEvent('Microsoft.KeyVault/vaults/write', otherVaultId)),
          'unaffected',
        ),
    ],
    [
      0.5,
      () => {
        // A vault id whose name segment carries a line break is still read as a vault id, of a vault no policy uses.
        const vault = pick(target.watched);
        return made(
          'valid vault event, vault name with CRLF',
          wire(armEvent('Microsoft.KeyVault/vaults/write', `${vault.id}\r\nforged`)),
          'unaffected',
        );
      },
    ],

    // ---- types the monitor does not watch: acknowledged and counted ----
    [
      2,
      () => {
        const vault = pick(target.watched);
        const event = keyEvent(
          vault.id,
          vault.name,
          'db-password',
          pick([
            'SecretNewVersionCreated',
            'SecretNearExpiry',
            'SecretExpired',
            'CertificateNewVersionCreated',
            'CertificateNearExpiry',
            'CertificateExpired',
          ]),
        );
        event.data = pick([
          { ObjectName: pick(hostileText) },
          { EXP: 1e300, Version: 'a'.repeat(10_000) },
          {},
          { nested: JSON.parse(deep(200)) as Json },
        ]);
        return made('secret or certificate event', wire(event), 'ignored');
      },
    ],
    [
      2,
      () => {
        const vault = pick(target.watched);
        const type = pick([
          'Microsoft.Storage.BlobCreated',
          '<script>alert("forged")</script>',
          'Microsoft.KeyVault.Forged\r\nforged: true',
          'Microsoft.KeyVault.VaultAccessPolicyChangedForged',
          'Microsoft.KeyVault.\u202eForged',
          'Microsoft.EventGrid.SubscriptionDeletedEvent',
          'Microsoft.Resources.ResourceActionSuccess',
          'x'.repeat(256),
        ]);
        const event = keyEvent(vault.id, vault.name, pick(vault.keys), 'KeyExpired');
        return made('unknown event type', wire(set(event, 'eventType', type)), 'ignored');
      },
    ],
    [
      1.5,
      () => {
        const operation = pick([
          'Microsoft.Compute/virtualMachines/write',
          'Microsoft.Storage/storageAccounts/delete',
          `Forged<script>\r\n${'x'.repeat(400)}`,
          'microsoft.keyvault/managedhsms/write',
          '\u202eMicrosoft.Authorization/roleAssignments/write',
        ]);
        return made(
          'resource event of another operation',
          wire(
            armEvent(
              operation,
              `/subscriptions/${sub}/resourceGroups/rg-cmk/providers/Microsoft.Compute/virtualMachines/${pick(hostileText)}`,
            ),
          ),
          'ignored',
        );
      },
    ],
    [
      0.5,
      () => {
        const event = {
          id: nextId(),
          topic: 't',
          subject: '',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          eventTime: '2026-11-22T08:00:00Z',
          data: { validationCode: pick([42, null, ['forged'], { code: '<script>' }]) },
          dataVersion: '1',
        };
        return made('validation event without a string code', event, 'ignored');
      },
    ],

    // ---- rejected: the envelope ----
    [
      4,
      () => {
        const vault = pick(target.watched);
        const event: Record<string, Json> = keyEvent(vault.id, vault.name, pick(vault.keys), 'KeyNearExpiry');
        const [field, value] = pick<[string, Json]>([
          ['id', undefined],
          ['id', null],
          ['id', 42],
          ['id', ''],
          ['id', '   '],
          ['id', 'i'.repeat(513)],
          ['id', { forged: true }],
          ['id', ['fuzz']],
          ['eventType', undefined],
          ['eventType', 7],
          ['eventType', ''],
          ['eventType', `Microsoft.KeyVault.KeyExpired${'x'.repeat(300)}`],
          ['eventType', ['Microsoft.KeyVault.KeyExpired']],
          ['subject', undefined],
          ['subject', null],
          ['subject', 42],
          ['subject', 's'.repeat(2_049)],
          ['subject', { forged: '<script>' }],
          ['eventTime', undefined],
          ['eventTime', ''],
          ['eventTime', 1_700_000_000],
          ['eventTime', 't'.repeat(65)],
          ['topic', null],
          ['topic', 42],
          ['topic', `${vault.id}${'/x'.repeat(1_100)}`],
          ['topic', [vault.id]],
          ['data', undefined],
          ['data', null],
          ['data', []],
          ['data', 'forged'],
          ['data', 42],
          ['data', [{ VaultName: vault.name }]],
          ['dataVersion', undefined],
          ['dataVersion', 1],
          ['dataVersion', null],
          ['dataVersion', 'v'.repeat(65)],
        ]);
        return made(`envelope: ${field}`, set(event, field, value), 'rejected');
      },
    ],
    [
      2,
      () => {
        const vault = pick(target.watched);
        const event: Record<string, Json> = asCloudEvent(
          keyEvent(vault.id, vault.name, pick(vault.keys), 'KeyExpired'),
        );
        const [field, value] = pick<[string, Json]>([
          ['specversion', '0.3'],
          ['specversion', '1.0 '],
          ['specversion', '1'],
          ['specversion', 1],
          ['specversion', null],
          ['specversion', '2.0'],
          ['specversion', '<script>'],
          ['specversion', ['1.0']],
          ['source', undefined],
          ['source', ''],
          ['source', 42],
          ['source', 's'.repeat(2_049)],
          ['type', undefined],
          ['type', ''],
          ['type', 't'.repeat(257)],
          ['id', undefined],
          ['id', 'i'.repeat(513)],
          ['subject', 42],
          ['subject', 's'.repeat(2_049)],
          ['data', undefined],
          ['data', 'eyJmb3JnZWQiOnRydWV9'],
          ['data', null],
        ]);
        if (field === 'data' && value === undefined) event.data_base64 = 'eyJmb3JnZWQiOnRydWV9';
        return made(`cloud event: ${field}`, set(event, field, value), 'rejected');
      },
    ],
    [
      1,
      () => {
        // A key event's type becomes the source of the status changes it causes: nothing but a name gets that far.
        const { vault, key } = watchedKey();
        const type = pick([
          'KeyExpired\r\nforged: true',
          'Key<script>alert(1)</script>',
          'KeyNearExpiry\u202eforged',
          'KeyNewVersionCreated\u0000',
          'Key',
          'Key Expired',
          'Key-Expired',
          'KeyExpired2',
        ]);
        return made('key event type not a name', wire(keyEvent(vault.id, vault.name, key, type)), 'rejected');
      },
    ],
    // ---- rejected: Key Vault data ----
    [
      6,
      () => {
        const { vault, key } = watchedKey();
        const event = wire(
          keyEvent(vault.id, vault.name, key, pick(['KeyNewVersionCreated', 'KeyNearExpiry', 'KeyExpired'])),
        );
        const [field, values] = pick<[string, Json[]]>([
          ['EXP', badDates],
          ['NBF', badDates],
          ['Version', badVersions],
          ['VaultName', badVaultNames],
          ['ObjectName', badObjectNames],
        ]);
        const value = pick(values);
        if (chance(0.3)) setData(event, 'Forged', pick(hostileText));
        return made(`key data: ${field}`, setData(event, field, value), 'rejected');
      },
    ],
    [
      1,
      () => {
        const { vault, key } = watchedKey();
        const event = wire(keyEvent(vault.id, vault.name, key, 'KeyNearExpiry'));
        const variant = pick<[string, (e: Record<string, Json>) => void]>([
          ['VaultName missing', (e) => setData(e, 'VaultName', undefined)],
          ['ObjectName missing', (e) => setData(e, 'ObjectName', undefined)],
          ['another vault than the topic', (e) => setData(e, 'VaultName', 'kv-other')],
          // JSON.parse makes "__proto__" an own key; the vault name it holds must not be found through the prototype.
          ['prototype pollution', (e) => setData(e, 'VaultName', undefined)],
        ]);
        variant[1](event);
        const text = JSON.stringify(event);
        const polluted =
          variant[0] === 'prototype pollution'
            ? text.replace('"data":{', `"data":{"__proto__":{"vaultname":"${vault.name}","VaultName":"${vault.name}"},`)
            : text;
        return { ...made(`key data: ${variant[0]}`, event, 'rejected'), text: polluted };
      },
    ],
    [
      1.5,
      () => {
        // Values that exist only as JSON text.
        const { vault, key } = watchedKey();
        const event = keyEvent(vault.id, vault.name, key, 'KeyExpired');
        const text = JSON.stringify(event);
        const [name, edit] = pick<[string, (t: string) => string]>([
          ['EXP 1e400 (Infinity)', (t) => t.replace('"EXP":1790000000', '"EXP":1e400')],
          ['NBF -1e400', (t) => t.replace('"NBF":1760000000', '"NBF":-1e400')],
          ['EXP a 30-digit integer', (t) => t.replace('"EXP":1790000000', '"EXP":123456789012345678901234567890')],
          ['EXP given twice, the last bad', (t) => t.replace('"EXP":1790000000', '"EXP":1790000000,"EXP":"forged"')],
          [
            'VaultName with a lone surrogate',
            (t) => t.replace(`"VaultName":"${vault.name}"`, `"VaultName":"${vault.name}\\ud800"`),
          ],
          ['ObjectName with NUL', (t) => t.replace(`"ObjectName":"${key}"`, `"ObjectName":"${key}\\u0000forged"`)],
          ['Version with a lone low surrogate', (t) => t.replace(/"Version":"[0-9a-f]+"/, '"Version":"\\udc00forged"')],
        ]);
        return { family: `key data as text: ${name}`, text: edit(text), outcome: 'rejected', keptId: event.id };
      },
    ],
    [
      1,
      () => {
        // Deep nesting (10,000 levels) where a value is read, or the whole event.
        const { vault, key } = watchedKey();
        const event = keyEvent(vault.id, vault.name, key, 'KeyNearExpiry');
        const text = JSON.stringify(event);
        const where = pick(['EXP', 'VaultName', 'data', 'event']);
        if (where === 'event')
          return { family: 'deep nesting: the event', text: deepArray(10_000), outcome: 'rejected' };
        if (where === 'data')
          return {
            family: 'deep nesting: data',
            text: text.replace(/"data":\{.*\},"dataVersion"/, `"data":${deepArray(10_000)},"dataVersion"`),
            outcome: 'rejected',
            keptId: event.id,
          };
        const value = where === 'EXP' ? '1790000000' : `"${vault.name}"`;
        return {
          family: `deep nesting: ${where}`,
          text: text.replace(`"${where}":${value}`, `"${where}":${deep(10_000)}`),
          outcome: 'rejected',
          keptId: event.id,
        };
      },
    ],
    [
      1,
      () => {
        // Valid but for one field, with 10,000 levels of nesting in a field nobody reads: kept all the same.
        const { vault, key } = watchedKey();
        const event = keyEvent(vault.id, vault.name, key, 'KeyNearExpiry');
        setData(event, 'Version', pick(badVersions.filter((v) => typeof v !== 'string' || v.length < 1_000)));
        const text = JSON.stringify(event).replace('"Id":', `"Forged":${deep(10_000, '"<script>"')},"Id":`);
        return { family: 'deep nesting beside a bad version', text, outcome: 'rejected', keptId: event.id };
      },
    ],
    // ---- rejected: access policy and resource events ----
    [
      1,
      () => {
        const vault = pick(target.watched);
        const event = wire(accessPolicyEvent(vault.id, vault.name));
        const source = 'specversion' in event ? 'source' : 'topic';
        const value = pick([
          ...hostileText,
          `/subscriptions/${sub}/resourceGroups/rg-cmk`,
          '/subscriptions//resourceGroups//providers/Microsoft.KeyVault/vaults/',
          ...(source === 'topic' ? [undefined, ''] : []),
        ]);
        return made('access policy event: topic not a vault', set(event, source, value), 'rejected');
      },
    ],
    [
      2,
      () => {
        const vault = pick(target.watched);
        const operation = pick([
          'Microsoft.Authorization/roleAssignments/write',
          'Microsoft.Authorization/roleAssignments/delete',
          'Microsoft.KeyVault/vaults/write',
        ]);
        const event = wire(
          armEvent(operation, operation.startsWith('Microsoft.KeyVault') ? vault.id : assignmentId(vault.id)),
        );
        const [field, value] = pick<[string, Json]>([
          ['operationName', undefined],
          ['operationName', 42],
          ['operationName', ''],
          ['operationName', 'o'.repeat(513)],
          ['operationName', null],
          ['operationName', [operation]],
          ['resourceUri', undefined],
          ['resourceUri', ''],
          ['resourceUri', 'r'.repeat(2_049)],
          ['resourceUri', { id: vault.id }],
          // No role assignment id, and in no vault.
          ['resourceUri', pick(hostileText)],
          ['resourceUri', `/subscriptions/${sub}/resourceGroups/rg-cmk\r\nforged`],
        ]);
        return made(`resource data: ${field}`, setData(event, field, value), 'rejected');
      },
    ],
    // ---- rejected: not an event object at all ----
    [
      1.5,
      () => {
        const value = pick<Json>([
          null,
          42,
          'forged<script>\r\n',
          true,
          [],
          [{ id: 'nested' }],
          '\u202e'.repeat(10),
          1e300,
          '\ud800forged\u0000',
        ]);
        return { family: 'not an event object', text: JSON.stringify(value), outcome: 'rejected' };
      },
    ],
  ];
  const totalWeight = families.reduce((sum, [weight]) => sum + weight, 0);
  const makeEvent = (): Made => {
    let roll = random() * totalWeight;
    for (const [weight, make] of families) if ((roll -= weight) < 0) return make();
    return (families.at(-1) as (typeof families)[number])[1]();
  };

  const functionFor = (events: Made[]) =>
    events.some((e) => e.family.startsWith('resource') || e.family.includes('role')) && chance(0.8)
      ? 'resourceEvents'
      : pick(['keyVaultEvents', 'resourceEvents']);
  const batch = (category: string, events: Made[], asArray = true): Delivery => {
    const text = asArray ? `[${events.map((e) => e.text).join(',')}]` : (events[0]?.text ?? '');
    return {
      category,
      functionName: functionFor(events),
      method: 'POST',
      body: text,
      status: 200,
      outcomes: events.map((e) => e.outcome),
      families: events.map((e) => e.family),
      keptIds: events.flatMap((e) => (e.keptId ? [e.keptId] : [])),
    };
  };
  const none = (
    category: string,
    body: string | Uint8Array,
    status: Delivery['status'],
    functionName = 'keyVaultEvents',
    method: Delivery['method'] = 'POST',
  ): Delivery => ({
    category,
    functionName,
    method,
    body,
    status,
    outcomes: [],
    families: [],
    keptIds: [],
  });

  /** Huge events, each alone in its body (under 1 MB) or deliberately over it. */
  const huge = (): Delivery[] => {
    const { vault, key } = watchedKey();
    const event = () => keyEvent(vault.id, vault.name, key, 'KeyNearExpiry');
    const bigId = set(event(), 'id', `fuzz-huge-${'x'.repeat(900_000)}`);
    const bigIdCrlf = set(event(), 'id', `${'\r\n<script>forged</script>'.repeat(36_000)}`);
    const bigSubject = set(event(), 'subject', '\u202e'.repeat(300_000));
    const bigVersion = setData(event(), 'Version', `${'<script>\r\n\u202e\u0000'.repeat(10_000)}`.slice(0, 100_000));
    const bigTopic = set(event(), 'topic', `${vault.id}${'/x'.repeat(400_000)}`);
    const bigString = 'forged\r\n'.repeat(90_000);
    const exactly = (() => {
      const e = event();
      const bare = JSON.stringify([set(e, 'id', '')]).length;
      return [set(e, 'id', `fuzz-edge-${'y'.repeat(maxBody - bare - 'fuzz-edge-'.length)}`)];
    })();
    const over = [set(event(), 'id', 'z'.repeat(maxBody))];
    const wide = setData(event(), 'Version', '<script>');
    for (let n = 0; n < 20_000; n++) setData(wide, `Forged${n}`, '<script>');
    const many = Array.from({ length: 300 }, (_, n) => pick<Json>([null, {}, [], 'forged', n]));
    const withKept = (category: string, value: Json, keptId?: string): Delivery => ({
      category,
      functionName: 'keyVaultEvents',
      method: 'POST',
      body: JSON.stringify(value),
      status: 200,
      outcomes: ['rejected'],
      families: [category],
      keptIds: keptId ? [keptId] : [],
    });
    return [
      withKept('huge: 900 KB id', [bigId]),
      withKept('huge: id of CRLF and markup', [bigIdCrlf]),
      withKept('huge: subject of U+202E', [bigSubject], bigSubject.id),
      withKept('huge: 100,000-character version', [bigVersion], bigVersion.id),
      withKept('huge: topic', [bigTopic], bigTopic.id),
      withKept('huge: a string for an event', [bigString]),
      withKept('huge: exactly 1 MB', exactly),
      withKept('huge: data with 20,000 keys', [wide], wide.id),
      {
        ...withKept('huge: 300 events in one batch', many),
        outcomes: many.map((): Outcome => 'rejected'),
        families: many.map(() => 'not an event object'),
      },
      none('over 1 MB: one event', JSON.stringify(over), 413),
      none('over 1 MB: a string', JSON.stringify('forged'.repeat(200_000)), 413),
      none(
        'over 1 MB: many small events',
        `[${Array.from({ length: 6_000 }, () => JSON.stringify(event())).join(',')}]`,
        413,
      ),
    ];
  };

  const special = (): Delivery[] => {
    const { vault, key } = watchedKey();
    const good = JSON.stringify(keyEvent(vault.id, vault.name, key, 'KeyNearExpiry'));
    const validation = JSON.stringify({
      id: nextId(),
      topic: vault.id,
      subject: '',
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: '2026-11-22T08:00:00Z',
      data: { validationCode: '<script>forged</script>' },
      dataVersion: '1',
    });
    return [
      none('not JSON: truncated', good.slice(0, good.length - 7), 400),
      none('not JSON: empty', '', 400),
      none('not JSON: byte order mark', `\ufeff[${good}]`, 400),
      none('not JSON: single quotes', "[{'id': 'forged'}]", 400),
      none('not JSON: trailing comma', `[${good},]`, 400),
      none('not JSON: NaN', '[NaN]', 400),
      none('not JSON: markup', '<script>alert("forged")</script>', 400),
      // Decoded as U+FFFD four times between the brackets: not JSON either.
      none('not JSON: invalid UTF-8', new Uint8Array([0x5b, 0xff, 0xfe, 0xc0, 0x80, 0x5d]), 400),
      none('not JSON: two arrays', `[${good}][${good}]`, 400),
      none('empty array', '[]', 200),
      none('validation handshake in a batch', `[${good},${validation}]`, 200),
      none('no such function', `[${good}]`, 404, pick(['forged<script>', 'keyVaultEvents\r\nforged', ''])),
      none('another method', `[${good}]`, 405, 'keyVaultEvents', 'PUT'),
    ];
  };
  const corpus: Delivery[] = [...huge(), ...special(), ...special()];
  while (corpus.length < deliveries) {
    if (random() < 0.12) {
      // One event, not in an array: the host wraps it (an array stays what it is, so it goes in one).
      const event = makeEvent();
      corpus.push(
        event.text.startsWith('[')
          ? batch('batch of one', [event])
          : batch('single event, not an array', [event], false),
      );
    } else {
      const events: Made[] = [];
      let size = 2;
      for (let n = 1 + int(6); n > 0; n--) {
        const event = makeEvent();
        if (size + event.text.length + 1 > maxBody - 1_000) break;
        size += event.text.length + 1;
        events.push(event);
      }
      if (!events.length) continue;
      corpus.push(batch(events.length === 1 ? 'batch of one' : 'mixed batch', events));
    }
  }
  return corpus;
}

/** How many deliveries of each kind, events of each family and events of each outcome the corpus holds. */
export function composition(corpus: Delivery[]): {
  deliveries: Record<string, number>;
  families: Record<string, number>;
  outcomes: Record<Outcome, number>;
} {
  const deliveries: Record<string, number> = {};
  const families: Record<string, number> = {};
  const outcomes: Record<Outcome, number> = { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };
  for (const delivery of corpus) {
    deliveries[delivery.category] = (deliveries[delivery.category] ?? 0) + 1;
    if (delivery.status !== 200) continue;
    for (const family of delivery.families) families[family] = (families[family] ?? 0) + 1;
    for (const outcome of delivery.outcomes) outcomes[outcome]++;
  }
  return { deliveries, families, outcomes };
}
