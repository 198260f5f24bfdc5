import { describe, expect, it } from 'vitest';
import { parseEnvironment, unreportedOf } from '../../../shared/adapters/azure/inventory/powerPlatformEnvironments.js';
import { withField } from '../../support/edit.js';

const ENVIRONMENT = '0b7e4d2c-9a1f-4c3e-8b6d-5f2a1e0c9d8b';
const POLICY_ID =
  '/subscriptions/8a3f1c52-6d0e-4b7a-9c21-5e4d3b2a1f00/resourceGroups/rg-powerplatform/providers/Microsoft.PowerPlatform/enterprisePolicies/ep-cmk-europe';
const SYSTEM_ID =
  '/regions/europe/providers/Microsoft.PowerPlatform/enterprisePolicies/3c9e7f1a-2b4d-4e6f-8a0b-1c2d3e4f5a6b';

function linkItem() {
  return {
    policyId: '3c9e7f1a-2b4d-4e6f-8a0b-1c2d3e4f5a6b',
    location: 'europe',
    id: POLICY_ID,
    systemId: SYSTEM_ID,
    linkStatus: 'Linked',
  };
}

/** A Managed production environment linked to an encryption policy, as the admin API lists it. */
function environmentItem(enterprisePolicies: Record<string, unknown> = { customerManagedKeys: linkItem() }) {
  return {
    id: `/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${ENVIRONMENT}`,
    name: ENVIRONMENT,
    location: 'europe',
    properties: {
      displayName: 'Contoso Finance (Prod)',
      azureRegion: 'westeurope',
      environmentSku: 'Production',
      governanceConfiguration: { protectionLevel: 'Standard' },
      clientUris: { admin: `https://admin.powerplatform.microsoft.com/environments/environment/${ENVIRONMENT}/hub` },
      states: { management: { id: 'Ready' }, runtime: { runtimeReasonCode: 'NotSpecified', id: 'Enabled' } },
      enterprisePolicies,
    },
  };
}

function environmentOf(item: unknown) {
  const parsed = parseEnvironment(item);
  if (parsed.kind !== 'environment') throw new Error(`expected an environment, got ${JSON.stringify(parsed)}`);
  return parsed.environment;
}

function skippedOf(item: unknown) {
  const parsed = parseEnvironment(item);
  if (parsed.kind !== 'skipped') throw new Error(`expected a skip, got ${JSON.stringify(parsed)}`);
  return parsed.skipped;
}

describe('parseEnvironment', () => {
  it('reads a linked environment', () => {
    expect(environmentOf(environmentItem())).toEqual({
      id: ENVIRONMENT,
      displayName: 'Contoso Finance (Prod)',
      location: 'europe',
      sku: 'Production',
      managed: true,
      runtimeState: 'Enabled',
      adminUrl: `https://admin.powerplatform.microsoft.com/environments/environment/${ENVIRONMENT}/hub`,
      link: { policyId: POLICY_ID, systemId: SYSTEM_ID, linkStatus: 'Linked' },
    });
  });

  it.each(['Disabled', 'AdminMode', 'Reticulating'])('keeps the runtime state %s as reported', (id) => {
    expect(environmentOf(withField(environmentItem(), 'properties.states.runtime.id', id)).runtimeState).toBe(id);
  });

  it.each([
    ['no runtime state', 'properties.states.runtime.id', undefined],
    ['a blank runtime state', 'properties.states.runtime.id', ' '],
    ['no runtime', 'properties.states.runtime', null],
    ['no states', 'properties.states', undefined],
  ])('reports no runtime state, not Enabled, for %s, and says it went unreported', (_, path, value) => {
    const environment = environmentOf(withField(environmentItem(), path, value));
    expect(environment).not.toHaveProperty('runtimeState');
    expect(environment.managed).toBe(true);
    expect(unreportedOf(environment)).toEqual({
      source: `environment ${ENVIRONMENT}`,
      reason: 'properties.states.runtime.id absent',
    });
  });

  it('says nothing went unreported for a linked environment with its runtime state, or an unlinked one without', () => {
    expect(unreportedOf(environmentOf(environmentItem()))).toBeNull();
    const unlinked = withField(
      withField(environmentItem(), 'properties.enterprisePolicies', null),
      'properties.states',
      undefined,
    );
    expect(unreportedOf(environmentOf(unlinked))).toBeNull();
  });

  it('has no admin page when the admin API gives none, or one that is not an https URL', () => {
    expect(environmentOf(withField(environmentItem(), 'properties.clientUris', undefined))).not.toHaveProperty(
      'adminUrl',
    );
    for (const admin of [
      'javascript:alert(1)',
      'http://admin.powerplatform.microsoft.com/',
      'https://admin.example/a b',
    ]) {
      expect(
        environmentOf(withField(environmentItem(), 'properties.clientUris.admin', admin)),
        admin,
      ).not.toHaveProperty('adminUrl');
    }
  });

  it('skips an environment whose runtime state is not text, naming its path', () => {
    expect(skippedOf(withField(environmentItem(), 'properties.states.runtime', 'Disabled')).reason).toMatch(
      /^properties\.states\.runtime: /,
    );
  });

  it.each(['CustomerManagedKeys', 'encryption', 'Encryption'])('finds the link under %s', (key) => {
    expect(environmentOf(environmentItem({ [key]: linkItem() })).link).toEqual({
      policyId: POLICY_ID,
      systemId: SYSTEM_ID,
      linkStatus: 'Linked',
    });
  });

  it.each(['Linking', 'LinkingOnline', 'Unlinking', 'UnlinkingOnline', 'Failed', 'Reticulating'])(
    'keeps a link of status %s, with the status as reported',
    (linkStatus) => {
      expect(environmentOf(environmentItem({ customerManagedKeys: { ...linkItem(), linkStatus } })).link).toEqual({
        policyId: POLICY_ID,
        systemId: SYSTEM_ID,
        linkStatus,
      });
    },
  );

  it('reports no link status when the link has none', () => {
    const { linkStatus: _linkStatus, ...link } = linkItem();
    expect(environmentOf(environmentItem({ customerManagedKeys: link })).link?.linkStatus).toBeNull();
    expect(
      environmentOf(environmentItem({ customerManagedKeys: { ...link, linkStatus: ' ' } })).link?.linkStatus,
    ).toBeNull();
  });

  it('has no link without enterprise policies', () => {
    expect(environmentOf(withField(environmentItem(), 'properties.enterprisePolicies', undefined)).link).toBeNull();
  });

  it.each(['Unlinked', 'UNLINKED'])('has no link once the policy is %s', (linkStatus) => {
    expect(environmentOf(environmentItem({ customerManagedKeys: { ...linkItem(), linkStatus } })).link).toBeNull();
  });

  it('is not managed at protection level Basic', () => {
    const item = withField(environmentItem(), 'properties.governanceConfiguration.protectionLevel', 'Basic');
    expect(environmentOf(item).managed).toBe(false);
  });

  it('is named by its name when it has no display name', () => {
    expect(environmentOf(withField(environmentItem(), 'properties.displayName', undefined)).displayName).toBe(
      ENVIRONMENT,
    );
  });

  it('skips an environment without a location', () => {
    expect(skippedOf(withField(environmentItem(), 'location', undefined))).toEqual({
      source: `environment ${ENVIRONMENT}`,
      reason: expect.stringMatching(/^location: /) as unknown,
    });
  });

  it('skips a link that names no policy', () => {
    const { id: _id, systemId: _systemId, ...link } = linkItem();
    expect(skippedOf(environmentItem({ customerManagedKeys: link }))).toEqual({
      source: `environment ${ENVIRONMENT}`,
      reason: expect.stringContaining('properties.enterprisePolicies.customerManagedKeys') as unknown,
    });
  });

  it('skips a link that is not an object, naming its path', () => {
    expect(skippedOf(environmentItem({ customerManagedKeys: POLICY_ID })).reason).toMatch(
      /^properties\.enterprisePolicies\.customerManagedKeys: Invalid input/,
    );
  });

  it('names the field inside a link that has the wrong type', () => {
    expect(skippedOf(environmentItem({ customerManagedKeys: { ...linkItem(), id: 42 } })).reason).toMatch(
      /^properties\.enterprisePolicies\.customerManagedKeys\.id: /,
    );
  });

  it('reads an environment whose enterprise policies are null as unlinked', () => {
    const item = { ...environmentItem(), properties: { ...environmentItem().properties, enterprisePolicies: null } };
    expect(environmentOf(item).link).toBeNull();
  });
});
