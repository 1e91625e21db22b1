import type { IncomingMessage } from 'node:http';
import { HttpError } from './problem.js';

export const BODY_LIMIT_BYTES = 100 * 1024;

function isJson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType);
}

/** 413, and the connection is closed after the answer rather than reading the rest of a huge body. */
const tooLarge = (detail: string) => new HttpError(413, detail, undefined, { Connection: 'close' });

/** Collects the body; past the limit it stops collecting but keeps draining, so the 413 can be sent. */
function readLimited(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.off('end', onEnd);
      request.resume();
      reject(tooLarge(`the body is over the limit of ${BODY_LIMIT_BYTES} bytes`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

/**
 * Reads a JSON request body: 415 unless the content type is JSON, 413 past 100 kB (decided from
 * Content-Length before reading when it is given), 400 when the bytes are not JSON.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  if (!isJson(request.headers['content-type'])) {
    throw new HttpError(
      415,
      `expected Content-Type application/json, got ${request.headers['content-type'] ?? 'none'}`,
    );
  }
  const declared = Number(request.headers['content-length']);
  if (declared > BODY_LIMIT_BYTES) {
    request.resume();
    throw tooLarge(`the body is ${declared} bytes; the limit is ${BODY_LIMIT_BYTES}`);
  }
  const text = await readLimited(request);
  if (text.trim() === '') throw new HttpError(400, 'the request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
}
