import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { Adapter, AdapterPayload, KoaContextWithOIDC, Middleware } from 'oidc-provider';
import { DevIdpError } from './errors.ts';
import { ensureDir, readJsonFile, writeSecretFile } from './files.ts';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; absent means no expiry. */
  expiresAt?: number;
}

// What must outlive a restart for a signed-in user to stay signed in; interactions, codes and
// replay records last seconds to minutes and stay in memory.
const PERSISTED = new Set(['Session', 'Grant', 'RefreshToken', 'AccessToken']);

function isEntry(value: unknown): value is Entry {
  return (
    typeof value === 'object' && value !== null && 'payload' in value && typeof value.payload === 'object'
  );
}

class ModelStore implements Adapter {
  readonly #entries = new Map<string, Entry>();
  readonly #path: string | undefined;
  readonly #onError: (error: unknown) => void;
  #dirty = false;
  writing: Promise<void> = Promise.resolve();

  constructor(path: string | undefined, onError: (error: unknown) => void) {
    this.#path = path;
    this.#onError = onError;
  }

  load(saved: unknown): void {
    if (saved === undefined) return;
    if (typeof saved !== 'object' || saved === null) {
      throw new DevIdpError(
        'ERR_DEV_IDP_DATA',
        `dev-idp: ${this.#path} is not a store; delete it to start afresh`,
      );
    }
    for (const [id, entry] of Object.entries(saved)) {
      if (isEntry(entry) && !this.#expired(entry)) this.#entries.set(id, entry);
    }
  }

  #expired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= Date.now();
  }

  #get(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry && this.#expired(entry)) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry;
  }

  #findBy(predicate: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const [id, entry] of this.#entries) {
      if (predicate(entry.payload) && this.#get(id)) return structuredClone(entry.payload);
    }
    return undefined;
  }

  // Coalesces bursts of changes into one write; writes never overlap.
  #save(): void {
    const path = this.#path;
    if (!path) return;
    this.#dirty = true;
    this.writing = this.writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      const live = [...this.#entries].filter(([, entry]) => !this.#expired(entry));
      try {
        await writeSecretFile(path, JSON.stringify(Object.fromEntries(live)));
      } catch (error) {
        this.#onError(error);
      }
    });
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const entry: Entry = { payload: structuredClone(payload) };
    if (expiresIn) entry.expiresAt = Date.now() + expiresIn * 1000;
    this.#entries.set(id, entry);
    this.#save();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.#get(id);
    return entry ? structuredClone(entry.payload) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findBy((payload) => payload.userCode === userCode);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findBy((payload) => payload.uid === uid);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#get(id);
    if (!entry) return;
    entry.payload.consumed = Math.floor(Date.now() / 1000);
    this.#save();
  }

  async destroy(id: string): Promise<void> {
    if (this.#entries.delete(id)) this.#save();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    let changed = false;
    for (const [id, entry] of this.#entries) {
      if (entry.payload.grantId === grantId) changed = this.#entries.delete(id) || changed;
    }
    if (changed) this.#save();
  }
}

/** The request whose adapter calls are being made (set by `requestScope`). */
const currentRequest = new AsyncLocalStorage<KoaContextWithOIDC>();

/**
 * oidc-provider middleware: makes the request visible to the replay records below, which must
 * tell its client assertion from its DPoP proof. Install it on every provider using this store.
 */
export const requestScope: Middleware = (ctx, next) => currentRequest.run(ctx, next);

/**
 * The `ReplayDetection` record id oidc-provider (9.x) gives the current request's client
 * assertion: base64url(SHA-256(iss || jti)), the same derivation it uses for every record, so
 * nothing in the record itself says which kind it is. Read from the assertion unverified, which is
 * safe: oidc-provider asks for the record only after verifying the assertion's signature.
 */
function clientAssertionRecordId(): string | undefined {
  const assertion = currentRequest.getStore()?.oidc?.params?.client_assertion;
  if (typeof assertion !== 'string') return undefined;
  try {
    const { iss, jti } = decodeJwt(assertion);
    if (typeof iss !== 'string' || typeof jti !== 'string') return undefined;
    return createHash('sha256').update(`${iss}${jti}`).digest('base64url');
  } catch {
    return undefined;
  }
}

/**
 * Replay records (oidc-provider's `ReplayDetection` model), kept for everything but client
 * assertions. Entra accepts a client assertion again until it expires, and MSAL Node reuses the
 * one it signs with a certificate for up to 10 minutes; a record of it would fail every MSAL token
 * request after the first. DPoP proofs are different: RFC 9449 §11.1 has the server refuse a proof
 * whose `jti` it has seen, so theirs are recorded. Should oidc-provider derive the ids another
 * way, assertions simply get records too (MSAL reuse then fails its test): never the reverse.
 */
function replayRecords(onError: (error: unknown) => void): Adapter {
  const records = new ModelStore(undefined, onError);
  return {
    upsert: async (id, payload, expiresIn) => {
      if (id !== clientAssertionRecordId()) await records.upsert(id, payload, expiresIn);
    },
    find: async (id) => (id === clientAssertionRecordId() ? undefined : records.find(id)),
    findByUserCode: async () => undefined,
    findByUid: async () => undefined,
    consume: (id) => records.consume(id),
    destroy: (id) => records.destroy(id),
    revokeByGrantId: async () => {},
  };
}

export interface FileStore {
  /** oidc-provider's `adapter` option. */
  adapterFor(name: string): Adapter;
  /** Resolves once every change so far is on disk. */
  flush(): Promise<void>;
}

/**
 * Opens the store under `<dataDir>/store`, loading what an earlier run saved. `prefix` keeps the
 * files of several authorities apart (`store/${prefix}Session.json`); '' for the default one.
 */
export async function openFileStore(
  dataDir: string,
  onError: (error: unknown) => void,
  prefix = '',
): Promise<FileStore> {
  const dir = join(dataDir, 'store');
  await ensureDir(dir);
  const stores = new Map<string, ModelStore>();
  const replay = replayRecords(onError);
  for (const name of PERSISTED) {
    const path = join(dir, `${prefix}${name}.json`);
    const store = new ModelStore(path, onError);
    store.load(await readJsonFile(path));
    stores.set(name, store);
  }
  return {
    adapterFor(name) {
      if (name === 'ReplayDetection') return replay;
      let store = stores.get(name);
      if (!store) {
        store = new ModelStore(undefined, onError);
        stores.set(name, store);
      }
      return store;
    },
    async flush() {
      await Promise.all([...stores.values()].map((store) => store.writing));
    },
  };
}
