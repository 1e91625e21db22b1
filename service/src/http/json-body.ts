import type { IncomingMessage } from 'node:http';
import { HttpError } from './problem.js';

export const BODY_LIMIT_BYTES = 100 * 1024;

const JSON_TYPE = 'application/json';

/**
 * The one media type the API reads: `application/json`, in UTF-8 (RFC 8259 §8.1: JSON exchanged between
 * systems that are not part of a closed ecosystem MUST be UTF-8; the type defines no parameters, and a
 * `charset` of UTF-8 is tolerated since many clients send it). Other `+json` types mean other things
 * (problem details, merge patches, JSON:API) and are refused, as is any other charset.
 */
function checkContentType(header: string | undefined): void {
  const [type = '', ...parameters] = (header ?? '').split(';').map((part) => part.trim());
  if (type.toLowerCase() !== JSON_TYPE) {
    throw new HttpError(415, `expected Content-Type ${JSON_TYPE}, got ${header ?? 'none'}`);
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=').map((part) => part.trim());
    const unquoted = value.replace(/^"(.*)"$/, '$1').toLowerCase();
    if (name.toLowerCase() !== 'charset' || (unquoted !== 'utf-8' && unquoted !== 'utf8')) {
      throw new HttpError(415, `expected ${JSON_TYPE} in UTF-8, got ${header}`);
    }
  }
}

/** 413, and the connection is closed after the answer rather than reading the rest of a huge body. */
const tooLarge = (detail: string) => new HttpError(413, detail, undefined, { Connection: 'close' });

/** Collects the body; past the limit it stops collecting but keeps draining, so the 413 can be sent. */
function readLimited(request: IncomingMessage): Promise<Buffer> {
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
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A UTF-16 surrogate without its pair: JSON's `\ud800` escape can make one, and no character is one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path (`body.a.0.b`) of the first key or string holding a lone surrogate, if any. */
function loneSurrogateAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (LONE_SURROGATE.test(key)) return `${path}.${key}`;
    const found = loneSurrogateAt(item, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Reads a JSON request body: 415 unless the content type is application/json in UTF-8, 413 past 100 kB
 * (decided from Content-Length before reading when it is given), 400 when the bytes are not UTF-8, not
 * JSON, or hold a string that is not Unicode text (a lone surrogate would be stored as U+FFFD).
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  checkContentType(request.headers['content-type']);
  const declared = Number(request.headers['content-length']);
  if (declared > BODY_LIMIT_BYTES) {
    request.resume();
    throw tooLarge(`the body is ${declared} bytes; the limit is ${BODY_LIMIT_BYTES}`);
  }
  let text: string;
  try {
    text = strictUtf8.decode(await readLimited(request));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new HttpError(400, 'the request body is empty; expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
  // Only a \u escape can put a surrogate in the parsed text (the bytes were valid UTF-8).
  if (/\\u[dD][89a-fA-F]/.test(text)) {
    const path = loneSurrogateAt(value, 'body');
    if (path !== undefined) {
      const message =
        'a lone UTF-16 surrogate (a \\uD800–\\uDFFF escape without its pair) is not a character';
      throw new HttpError(400, `invalid body: ${path}: ${message}`, [{ path, message }]);
    }
  }
  return value;
}
