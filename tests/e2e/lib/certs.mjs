// A throw-away CA and one leaf certificate for every simulated host name, made by openssl at
// test start (never committed).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export function makeCerts(dir, hostNames) {
  mkdirSync(dir, { recursive: true });
  const p = (f) => join(dir, f);
  const ossl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!existsSync(p('ca.pem'))) {
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca-key.pem'), '-out', p('ca.pem'),
      '-days', '30', '-subj', '/CN=eproc-a2f e2e test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  }
  const san = hostNames.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  writeFileSync(p('leaf.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${san}`,
  ].join('\n') + '\n');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('leaf-key.pem'), '-out', p('leaf.csr'),
    '-subj', '/CN=eproc simulator');
  ossl('x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca-key.pem'),
    '-CAcreateserial', '-out', p('leaf.pem'), '-days', '30', '-extfile', p('leaf.ext'));
  return {
    ca: readFileSync(p('ca.pem')),
    caPath: p('ca.pem'),
    key: readFileSync(p('leaf-key.pem')),
    cert: readFileSync(p('leaf.pem')),
  };
}
