import { join } from 'node:path';
import type { Adapter, AdapterPayload } from 'oidc-provider';
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

/**
 * Entra accepts a client assertion again until it expires, and MSAL Node reuses the assertion it
 * signs with a certificate for up to 10 minutes; oidc-provider keeps a record of each one
 * (`ReplayDetection`) to refuse a second use, which would fail every MSAL token request after the
 * first. So no record is kept. Client assertions are all this IdP checks for replay: were DPoP
 * enabled, its proofs would need their own store here.
 */
const noReplayRecords: Adapter = {
  upsert: async () => {},
  find: async () => undefined,
  findByUserCode: async () => undefined,
  findByUid: async () => undefined,
  consume: async () => {},
  destroy: async () => {},
  revokeByGrantId: async () => {},
};

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
  for (const name of PERSISTED) {
    const path = join(dir, `${prefix}${name}.json`);
    const store = new ModelStore(path, onError);
    store.load(await readJsonFile(path));
    stores.set(name, store);
  }
  return {
    adapterFor(name) {
      if (name === 'ReplayDetection') return noReplayRecords;
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
