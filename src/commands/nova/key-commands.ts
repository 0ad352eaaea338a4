/**
 * keyinit, keyinit-x25519 and password: the host agrees a key with the agent, then
 * sends root's new password encrypted with it.
 */
import { HostlinkError, genericError } from '../../core/errors.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import { isValidLegacyPublicKey, legacyAesKey, legacyDecrypt, legacyPublicKey, legacySharedSecret, randomLegacyPrivateKey } from '../../protocols/nova/legacy-key-exchange.js';
import { deriveX25519Key, gcmDecrypt, generateX25519KeyPair, X25519_PUBLIC_BYTES } from '../../protocols/nova/x25519-key-exchange.js';
import { KeySessions, wipeKey, type SessionKey } from './key-sessions.js';
import { decodeStrictBase64 } from './strict-base64.js';

export const PASSWORD_AAD = 'password';

export interface KeyCommandOptions {
  /** Sets root's password; the secret buffer is wiped by the caller afterwards. */
  readonly setRootPassword: (secret: Buffer) => Promise<void>;
  readonly sessions?: KeySessions;
  /** Fixed private key for keyinit (test vectors only). */
  readonly legacyPrivateKey?: () => bigint;
}

const anyValue = t.struct({ value: t.any() });

/** The host's public key: a JSON integer or a decimal string. */
function parseLegacyPublicKey(value: unknown): bigint {
  let parsed: bigint | undefined;
  if (typeof value === 'bigint') parsed = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && /^\s*\d{1,64}\s*$/.test(value)) parsed = BigInt(value.trim());
  if (parsed === undefined || !isValidLegacyPublicKey(parsed)) throw genericError('Invalid public key');
  return parsed;
}

/** One trailing newline is dropped: hosts encrypt the password as `echo` prints it. */
function withoutOneNewline(data: Buffer): Buffer {
  return data.length > 0 && data[data.length - 1] === 0x0a ? data.subarray(0, data.length - 1) : data;
}

function decrypt(key: SessionKey, ciphertext: Buffer): Buffer | undefined {
  return key.kind === 'legacy' ? legacyDecrypt(ciphertext, key.aes) : gcmDecrypt(key.key, ciphertext, PASSWORD_AAD);
}

export function keyCommands(options: KeyCommandOptions): CommandDefinition[] {
  const sessions = options.sessions ?? new KeySessions();
  const newPrivateKey = options.legacyPrivateKey ?? randomLegacyPrivateKey;
  return [
    defineCommand({
      name: 'keyinit',
      description: "Diffie-Hellman (2^107-1, g=5) with the host's public key; answers D0 and the agent's public key",
      args: anyValue,
      handler: ({ value }, context) => {
        const hostPublic = parseLegacyPublicKey(value);
        const privateKey = newPrivateKey();
        const shared = legacySharedSecret(hostPublic, privateKey);
        sessions.set(context.clientId, { kind: 'legacy', aes: legacyAesKey(shared) });
        return { returncode: 'D0', message: legacyPublicKey(privateKey).toString(10) };
      },
    }),
    defineCommand({
      name: 'keyinit-x25519',
      description: "X25519 + HKDF-SHA256 with the host's base64 public key; answers D0 and the agent's (password then uses AES-256-GCM)",
      args: anyValue,
      handler: ({ value }, context) => {
        const hostPublic = typeof value === 'string' ? decodeStrictBase64(value) : undefined;
        if (!hostPublic || hostPublic.length !== X25519_PUBLIC_BYTES) throw genericError('Invalid public key');
        const own = generateX25519KeyPair();
        let key: Buffer;
        try {
          key = deriveX25519Key(own, hostPublic, hostPublic, own.publicRaw);
        } catch {
          throw genericError('Invalid public key');
        }
        sessions.set(context.clientId, { kind: 'x25519', key });
        return { returncode: 'D0', message: own.publicRaw.toString('base64') };
      },
    }),
    defineCommand({
      name: 'password',
      description: "Set root's password, sent encrypted with the key agreed by keyinit (base64)",
      args: anyValue,
      handler: async ({ value }, context) => {
        const key = sessions.take(context.clientId);
        if (!key) throw genericError('Password without key exchange');
        let plaintext: Buffer | undefined;
        try {
          const ciphertext = typeof value === 'string' ? decodeStrictBase64(value) : undefined;
          if (!ciphertext) throw genericError("Couldn't decode base64 data");
          plaintext = decrypt(key, ciphertext);
          if (!plaintext) throw genericError('Invalid password data received');
          const password = withoutOneNewline(plaintext);
          if (password.includes(0x0a) || password.includes(0)) throw genericError('Invalid password data received');
          await options.setRootPassword(password);
          return '';
        } catch (error) {
          if (error instanceof HostlinkError) throw error;
          throw genericError(`Couldn't set the password: ${(error as Error).message}`);
        } finally {
          plaintext?.fill(0);
          wipeKey(key);
        }
      },
    }),
  ];
}
