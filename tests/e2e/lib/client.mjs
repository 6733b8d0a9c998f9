// A tiny HTTP(S) client for the simulator's own tests: connects to the simulator's ports while
// sending the real host name (SNI + Host), verifies the test CA, keeps cookies, no auto-redirect.
import https from 'node:https';
import http from 'node:http';

export class Client {
  constructor(sim) {
    this.sim = sim;
    this.jar = new Map(); // host -> Map(name -> value)
  }

  cookieHeader(host) {
    const m = this.jar.get(host);
    return m ? [...m].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  request(method, urlStr, { body, headers = {}, form } = {}) {
    const url = new URL(urlStr);
    const isHttps = url.protocol === 'https:';
    let payload = body;
    if (form) {
      payload = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request({
        host: '127.0.0.1', port: isHttps ? this.sim.ports.https : this.sim.ports.http,
        servername: isHttps ? url.hostname : undefined, ca: this.sim.ca,
        method, path: url.pathname + url.search,
        headers: { host: url.host, cookie: this.cookieHeader(url.hostname), ...headers },
      }, (res) => {
        for (const c of [].concat(res.headers['set-cookie'] ?? [])) {
          const [nv] = c.split(';');
          const i = nv.indexOf('=');
          if (!this.jar.has(url.hostname)) this.jar.set(url.hostname, new Map());
          this.jar.get(url.hostname).set(nv.slice(0, i), nv.slice(i + 1));
        }
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), raw: Buffer.concat(chunks),
          location: res.headers.location ? new URL(res.headers.location, url).href : null,
        }));
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get(url, o) { return this.request('GET', url, o); }
  post(url, o) { return this.request('POST', url, o); }

  /** Follows redirects from a GET. */
  async follow(url, max = 10) {
    let r = await this.get(url);
    while (r.location && max-- > 0) r = await this.get(r.location);
    return r;
  }
}

/** Value of an attribute of the element with `id` in an HTML text (simple, for tests). */
export function attrById(html, id, attr) {
  const m = new RegExp(`<[^>]*\\bid="${id}"[^>]*>`).exec(html);
  if (!m) return undefined;
  const a = new RegExp(`\\b${attr}="([^"]*)"`).exec(m[0]);
  return a ? a[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"') : null;
}

export function textById(html, id) {
  const m = new RegExp(`<([a-z]+)[^>]*\\bid="${id}"[^>]*>([^<]*)</\\1>`).exec(html);
  return m ? m[2] : undefined;
}
