import { CustosError } from '../errors.js';
import type { Handle, Pkcs11Lib, Template } from './binding.js';
import { CKA, CKM, CKO } from './ck.js';
import { keyTemplates, parseCkaId, specFor } from './keygen.js';
import { keyFor } from './operations.js';
import { publicKeyPartsFromSpki } from './spki.js';
import type { TokenState } from './sessions.js';
import type { UnwrapRequest } from './types.js';

/**
 * Unwraps (CKM_AES_KEY_WRAP_PAD) a private or secret key onto the token with the same protection
 * and usage rules as generation. For a private key, `spki` recreates the public object beside it
 * (a wrapped private key does not carry a separate public object). Returns the new key's CKA_ID.
 */
export function unwrapKey(
  lib: Pkcs11Lib,
  session: Handle,
  state: TokenState,
  unwrappingId: Buffer,
  wrapped: Uint8Array,
  req: UnwrapRequest,
  ckaIdHex: string,
): string {
  const spec = specFor(req.algorithm);
  if ((req.kind === 'secret-key') !== spec.symmetric) {
    throw new CustosError('E_INPUT', `A ${spec.label} key cannot be unwrapped as a ${req.kind}.`);
  }
  const ckaId = parseCkaId(ckaIdHex);
  const t = keyTemplates(spec, req, ckaId);
  // The unwrapped value fixes the length; asking for it again is refused by some tokens.
  const template: Template = t.privateOrSecret.filter((a) => a.type !== CKA.VALUE_LEN);
  const unwrapping = keyFor(lib, session, state, unwrappingId, [CKO.SECRET_KEY], ['aes'], 'unwrap other keys');

  let publicTemplate: Template | null = null;
  if (req.kind === 'private-key' && req.spki) {
    const parts = publicKeyPartsFromSpki(req.spki);
    if (parts.keyType !== spec.keyType || (parts.keyType === 'rsa' ? parts.bits !== spec.size : parts.curve.algorithm !== spec.id)) {
      throw new CustosError('E_INPUT', `The public key given does not match the ${spec.label} key being unwrapped.`);
    }
    const shape: Template =
      parts.keyType === 'rsa'
        ? [
            { type: CKA.MODULUS, value: parts.modulus },
            { type: CKA.PUBLIC_EXPONENT, value: parts.publicExponent },
          ]
        : [
            { type: CKA.EC_PARAMS, value: Buffer.from(parts.ecParams) },
            { type: CKA.EC_POINT, value: Buffer.from(parts.ecPoint) },
          ];
    publicTemplate = [...t.publicKey!.filter((a) => a.type !== CKA.MODULUS_BITS && a.type !== CKA.PUBLIC_EXPONENT && a.type !== CKA.EC_PARAMS), ...shape];
  }

  const priv = lib.C_UnwrapKey(session, { mechanism: CKM.AES_KEY_WRAP_PAD }, unwrapping.handle, Buffer.from(wrapped), template);
  if (publicTemplate) {
    try {
      lib.C_CreateObject(session, publicTemplate);
    } catch (e) {
      // Leave nothing half-restored behind.
      try {
        lib.C_DestroyObject(session, priv);
      } catch {
        // the error below says what failed
      }
      throw e;
    }
  }
  return ckaIdHex;
}
