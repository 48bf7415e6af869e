// What Redis sees of the router's data: key names that name nobody, and values nobody can read.
// A name is an HMAC of what it is about (a visitor id, a client address) under a key derived from
// the DataFast API key, which never goes to Redis; a value is sealed with AES-256-GCM under another
// key derived from it, bound to its name (a value copied under another name does not open). So
// reading Redis tells neither who a visitor is nor what their record or the realtime map holds.
// Instances with the same API key and website share their names; other sites on the same Redis
// cannot collide with them.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const SALT = 'visitor-offers/redis';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** 132 bits of HMAC: no collision among any number of visitors a site will ever have. */
const NAME_CHARS = 22;

export class RedisKeyring {
  readonly #naming: Buffer;
  readonly #sealing: Buffer;
  /** The website a `dft_` account token is used for ('' with a website key, which is one website). */
  readonly #website: string;

  constructor(apiKey: string, websiteId: string | null) {
    const secret = Buffer.from(apiKey, 'utf8');
    this.#naming = Buffer.from(hkdfSync('sha256', secret, SALT, 'key names', 32));
    this.#sealing = Buffer.from(hkdfSync('sha256', secret, SALT, 'sealed values', 32));
    this.#website = websiteId ?? '';
  }

  /** The pseudonym of `id` for one kind of thing (`visitor`, `limit:events_per_ip`…) of this website. */
  name(kind: string, id: string): string {
    return this.#hmac(`site\0${this.#website}\0${kind}\0${id}`);
  }

  /** The pseudonym of something about the whole DataFast account (its 429 pause covers every website). */
  accountName(kind: string): string {
    return this.#hmac(`account\0${kind}`);
  }

  /** `plain` sealed under `name` (with anything else the value carries in clear as `clear`): IV, tag, ciphertext. */
  seal(plain: Buffer, name: string, clear = ''): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealing, iv);
    cipher.setAAD(Buffer.from(`${name}\0${clear}`, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The plain bytes, or null when `sealed` was not sealed by this keyring under `name` and `clear` (or was altered). */
  open(sealed: Buffer, name: string, clear = ''): Buffer | null {
    if (sealed.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#sealing, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(`${name}\0${clear}`, 'utf8'));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      return null;
    }
  }

  #hmac(text: string): string {
    return createHmac('sha256', this.#naming).update(text).digest('base64url').slice(0, NAME_CHARS);
  }
}
