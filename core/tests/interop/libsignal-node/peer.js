// A libsignal-node peer for wacast's interop tests. It reads one JSON command per line on
// stdin and writes one JSON reply per line on stdout. Keys and bytes are hex; public keys are
// 33 bytes with the 0x05 prefix, as libsignal writes them.
'use strict';

const readline = require('readline');
const libsignal = require('libsignal');

const hex = (buf) => Buffer.from(buf).toString('hex');
const bin = (text) => Buffer.from(text, 'hex');

class MemoryStore {
  constructor(identity, registrationId) {
    this.identity = identity;
    this.registrationId = registrationId;
    this.preKeys = new Map();
    this.signedPreKeys = new Map();
    this.sessions = new Map();
  }
  async getOurIdentity() { return this.identity; }
  async getOurRegistrationId() { return this.registrationId; }
  async isTrustedIdentity() { return true; }
  async loadPreKey(id) { return this.preKeys.get(id); }
  async removePreKey(id) { this.preKeys.delete(id); }
  async loadSignedPreKey(id) { return this.signedPreKeys.get(id); }
  async loadSession(address) { return this.sessions.get(address); }
  async storeSession(address, record) { this.sessions.set(address, record); }
}

let store = null;

const handlers = {
  async init(cmd) {
    const identity = libsignal.curve.generateKeyPair();
    store = new MemoryStore(identity, cmd.registration_id);
    return { identity_public: hex(identity.pubKey) };
  },
  async bundle(cmd) {
    const signed = libsignal.curve.generateKeyPair();
    const signature = libsignal.curve.calculateSignature(store.identity.privKey, signed.pubKey);
    store.signedPreKeys.set(cmd.signed_pre_key_id, signed);
    const reply = {
      registration_id: store.registrationId,
      identity_key: hex(store.identity.pubKey),
      signed_pre_key_id: cmd.signed_pre_key_id,
      signed_pre_key: hex(signed.pubKey),
      signed_pre_key_signature: hex(signature),
    };
    if (cmd.pre_key_id) {
      const oneTime = libsignal.curve.generateKeyPair();
      store.preKeys.set(cmd.pre_key_id, oneTime);
      reply.pre_key_id = cmd.pre_key_id;
      reply.pre_key = hex(oneTime.pubKey);
    }
    return reply;
  },
  async process_bundle(cmd) {
    const b = cmd.bundle;
    const device = {
      identityKey: bin(b.identity_key),
      registrationId: b.registration_id,
      signedPreKey: { keyId: b.signed_pre_key_id, publicKey: bin(b.signed_pre_key), signature: bin(b.signed_pre_key_signature) },
    };
    if (b.pre_key) device.preKey = { keyId: b.pre_key_id, publicKey: bin(b.pre_key) };
    const address = new libsignal.ProtocolAddress(cmd.name, cmd.device);
    await new libsignal.SessionBuilder(store, address).initOutgoing(device);
    return {};
  },
  async encrypt(cmd) {
    const address = new libsignal.ProtocolAddress(cmd.name, cmd.device);
    const out = await new libsignal.SessionCipher(store, address).encrypt(bin(cmd.plaintext));
    return { type: out.type, body: hex(out.body) };
  },
  async decrypt(cmd) {
    const address = new libsignal.ProtocolAddress(cmd.name, cmd.device);
    const cipher = new libsignal.SessionCipher(store, address);
    const plaintext = cmd.type === 3
      ? await cipher.decryptPreKeyWhisperMessage(bin(cmd.body))
      : await cipher.decryptWhisperMessage(bin(cmd.body));
    return { plaintext: hex(plaintext) };
  },
};

// libsignal-node logs session changes with console.info/warn; keep stdout for replies.
console.log = console.info = console.warn = console.debug = (...args) => process.stderr.write(args.join(' ') + '\n');

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let reply;
    try {
      const cmd = JSON.parse(line);
      const handler = handlers[cmd.op];
      if (!handler) throw new Error(`unknown op ${cmd.op}`);
      reply = { ok: true, ...(await handler(cmd)) };
    } catch (error) {
      reply = { ok: false, error: String(error && error.message || error) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  });
});
