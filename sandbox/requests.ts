import type { IncomingMessage, Server } from 'node:http';

/** How much of a request body a local receiver keeps, and how much more it reads (and drops) before hanging up. */
export interface BodyLimits {
  maxBodyBytes: number;
  maxDrainBytes: number;
}

/** The path of a request target in origin form (`/a/b?q`), or null for any other form. */
export function pathOf(url: string | undefined): string | null {
  if (!url?.startsWith('/') || url.startsWith('//')) return null;
  return url.split('?')[0] ?? null;
}

/** The whole body, or null when it is over the limit (the rest is read and dropped, so the client gets the 413). */
export function readBody(req: IncomingMessage, { maxBodyBytes, maxDrainBytes }: BodyLimits): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxDrainBytes) req.destroy();
      else if (size <= maxBodyBytes && declared <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBodyBytes || declared > maxBodyBytes ? null : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => reject(new Error('request closed')));
  });
}

/** Reads the body to its end without keeping it, then answers with `then`. */
export function drain(req: IncomingMessage, { maxDrainBytes }: BodyLimits, then: () => void): void {
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxDrainBytes) req.destroy();
  });
  req.on('end', then);
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
