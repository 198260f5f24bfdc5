/**
 * The App Service / Azure Functions managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), over plain HTTP
 * as Azure serves it on localhost. MSAL (through DefaultAzureCredential) sends
 * `GET <endpoint>?api-version=2019-08-01&resource=<resource>` with `X-IDENTITY-HEADER: <secret>`.
 */
import { randomUUID } from 'node:crypto';
import { errorReply, type Reply, type Service } from './server.js';

/** The function app's system-assigned identity: the caller the double names in its 403 messages. */
export const monitorIdentity = {
  clientId: '6f1c2b9e-3d4a-4e8f-9a70-1b2c3d4e5f60',
  principalId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
};

/**
 * A key vault administrator's user-assigned identity (`client_id` on the token request): the caller of the changes
 * tests make through the real clients, so that Key Vault's audit records tell them from the monitor's own reads. It
 * also signs the changes made on the double's state directly.
 */
export const adminIdentity = {
  clientId: '3c5a7e91-2b4d-4f6a-8c0e-9d1b3f5a7c2e',
  principalId: '5e7a9c1b-3d5f-4b7d-9e1a-2c4e6a8b0d3f',
};

export type Identity = typeof monitorIdentity;

export const identityPath = '/msi/token';

const tokenLifetimeSeconds = 24 * 60 * 60;

export function identityService(options: { tenantId: string; identityHeader: string }): Service {
  return {
    name: 'identity',
    routes: [
      {
        method: 'GET',
        pattern: /^\/msi\/token\/?$/i,
        kind: 'identity.token',
        targets: () => ['identity'],
        handle: (request) => {
          if (request.headers['x-identity-header'] !== options.identityHeader) {
            return identityError(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
          }
          const resource = request.query.get('resource');
          if (!resource) return identityError(400, 'The resource query parameter is required.');
          const clientId = request.query.get('client_id');
          const identity = [monitorIdentity, adminIdentity].find(
            (known) => !clientId || known.clientId === clientId.toLowerCase(),
          );
          if (!identity)
            return identityError(400, `No managed identity with client id ${clientId} is assigned to this app.`);
          const issuedAt = Math.floor(Date.now() / 1000);
          const expiresOn = issuedAt + tokenLifetimeSeconds;
          return {
            status: 200,
            body: {
              access_token: accessToken({ identity, resource, tenantId: options.tenantId, issuedAt, expiresOn }),
              expires_on: String(expiresOn),
              resource,
              token_type: 'Bearer',
              client_id: identity.clientId,
            },
          };
        },
      },
    ],
    fault: (status) => identityError(status, `Injected failure (${status}).`),
    unknownRoute: () => errorReply(404, 'NotFound', 'No such managed identity endpoint.'),
  };
}

function identityError(status: number, message: string): Reply {
  return {
    status,
    body: { statusCode: status, message, correlationId: randomUUID() },
    ...(status === 429 ? { headers: { 'retry-after': '1' } } : {}),
  };
}

/** The object id (`oid`) of the caller a token the double issued names; null for anything else. */
export function callerOf(authorization: string | undefined): string | null {
  return claimsOf(authorization)?.oid ?? null;
}

/** The caller's object id and application (client) id, from a token the double issued; null for anything else. */
export function claimsOf(authorization: string | undefined): { oid: string; appid: string } | null {
  const payload = /^Bearer\s+[^.\s]+\.([^.\s]+)\.[^.\s]*$/i.exec(authorization ?? '')?.[1];
  if (!payload) return null;
  try {
    const { oid, appid } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      oid?: unknown;
      appid?: unknown;
    };
    return typeof oid === 'string' && oid && typeof appid === 'string' ? { oid, appid } : null;
  } catch {
    return null;
  }
}

/** Shaped like an Entra ID access token (unsigned): clients treat it as opaque, people reading logs do not. */
function accessToken(claims: {
  identity: Identity;
  resource: string;
  tenantId: string;
  issuedAt: number;
  expiresOn: number;
}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { typ: 'JWT', alg: 'none' };
  const payload = {
    aud: claims.resource,
    iss: `https://sts.windows.net/${claims.tenantId}/`,
    iat: claims.issuedAt,
    nbf: claims.issuedAt,
    exp: claims.expiresOn,
    appid: claims.identity.clientId,
    oid: claims.identity.principalId,
    sub: claims.identity.principalId,
    tid: claims.tenantId,
    idtyp: 'app',
  };
  return `${encode(header)}.${encode(payload)}.${Buffer.from('azure-double').toString('base64url')}`;
}

/** Whether a vault whose scenario says `monitorAccess: forbidden` refuses this request: it refuses the monitor only. */
export function refusesMonitor(
  vault: { monitorAccess: 'ok' | 'forbidden' },
  authorization: string | undefined,
): boolean {
  return vault.monitorAccess === 'forbidden' && claimsOf(authorization)?.oid === monitorIdentity.principalId;
}
