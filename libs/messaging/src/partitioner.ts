import type { ICustomPartitioner } from 'kafkajs';

const M = 0x5bd1e995;

/**
 * Kafka's murmur2 of a key (the JVM clients' `Utils.murmur2`), in 32-bit integer arithmetic.
 * kafkajs computes the same hash with a 64-bit Long emulation that cost the relay about a
 * fifth of its CPU; the low 32 bits of each product are all the hash keeps, and Math.imul gives them.
 */
export function murmur2(key: Buffer): number {
  const length = key.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= key[whole + 2] << 16;
  if (rest >= 2) h ^= key[whole + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ key[whole], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The JVM clients' partition of a keyed message: positive murmur2 of the key modulo the partition count. */
export const keyPartitioner: ICustomPartitioner =
  () =>
  ({ partitionMetadata, message }) => {
    if (message.key === null || message.key === undefined) throw new Error('every message we send has a key');
    const key = Buffer.isBuffer(message.key) ? message.key : Buffer.from(message.key);
    return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
  };
