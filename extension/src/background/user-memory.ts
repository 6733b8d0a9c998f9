// User names typed on a login step, remembered per tab and origin (the code field or the
// enrollment page comes later on the same origin). Kept in storage.session when available so a
// restarted service worker still knows them; never written to disk. Expire after an hour.

export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

interface Entry {
  user: string;
  at: number;
}

const KEY = 'users';
const TTL_MS = 60 * 60 * 1000;

export class UserMemory {
  private map: Map<string, Entry> | null = null;

  constructor(private readonly area: SessionArea | null, private readonly now: () => number = () => Date.now()) {}

  private async load(): Promise<Map<string, Entry>> {
    if (this.map) return this.map;
    const map = new Map<string, Entry>();
    if (this.area) {
      try {
        const r = await this.area.get(KEY);
        const obj = r[KEY];
        if (obj && typeof obj === 'object') {
          for (const [k, v] of Object.entries(obj as Record<string, Entry>)) {
            if (v && typeof v.user === 'string' && typeof v.at === 'number') map.set(k, v);
          }
        }
      } catch {
        /* no session storage: memory only */
      }
    }
    this.map = map;
    return map;
  }

  private async save(): Promise<void> {
    if (!this.area || !this.map) return;
    const now = this.now();
    for (const [k, v] of this.map) if (now - v.at > TTL_MS) this.map.delete(k);
    try {
      await this.area.set({ [KEY]: Object.fromEntries(this.map) });
    } catch {
      /* memory only */
    }
  }

  async remember(tabId: number, origin: string, user: string): Promise<void> {
    const map = await this.load();
    map.set(`${tabId}|${origin}`, { user, at: this.now() });
    await this.save();
  }

  async recall(tabId: number, origin: string): Promise<string | null> {
    const map = await this.load();
    const e = map.get(`${tabId}|${origin}`);
    if (!e || this.now() - e.at > TTL_MS) return null;
    return e.user;
  }

  async forgetTab(tabId: number): Promise<void> {
    const map = await this.load();
    for (const k of [...map.keys()]) if (k.startsWith(`${tabId}|`)) map.delete(k);
    await this.save();
  }
}
