/** Public key material that looks right to a client: correct sizes, not a real key pair. */
import { randomBytes } from 'node:crypto';

export type KeyMaterial = { kty: 'RSA'; n: string; e: string } | { kty: 'EC'; crv: string; x: string; y: string };

const curves: Record<number, { crv: string; bytes: number }> = {
  256: { crv: 'P-256', bytes: 32 },
  384: { crv: 'P-384', bytes: 48 },
  521: { crv: 'P-521', bytes: 66 },
};

export function createKeyMaterial(kty: string, size: number): KeyMaterial {
  if (kty.startsWith('EC')) {
    const curve = curves[size] ?? { crv: 'P-256', bytes: 32 };
    return {
      kty: 'EC',
      crv: curve.crv,
      x: randomBytes(curve.bytes).toString('base64url'),
      y: randomBytes(curve.bytes).toString('base64url'),
    };
  }
  const modulus = randomBytes(Math.ceil(size / 8));
  modulus[0] = (modulus[0] ?? 0) | 0x80;
  return { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' };
}
