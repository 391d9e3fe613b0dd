/**
 * Reads a request body while counting bytes, and stops as soon as it passes the source's limit: an
 * oversized body (with or without Content-Length, or with one that lies) is never buffered whole. The
 * Content-Length header is never trusted to size a read; it only refuses early when it declares too much.
 */

export type BodyRead =
  | { ok: true; body: Uint8Array }
  | { ok: false; reason: "too_large"; limit: number }
  | { ok: false; reason: "unreadable" };

/** Reads the body within `limit`; a body the client broke off (the stream errored) is `unreadable`. */
export async function readBodyWithinLimit(request: Request, limit: number): Promise<BodyRead> {
  try {
    return await readWithin(request, limit);
  } catch {
    return { ok: false, reason: "unreadable" };
  }
}

async function readWithin(request: Request, limit: number): Promise<BodyRead> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    return { ok: false, reason: "too_large", limit };
  }
  if (request.body === null) return { ok: true, body: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, reason: "too_large", limit };
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return { ok: true, body: chunks[0] };
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, body };
}
