#!/usr/bin/env node
// Starts the eproc simulator alone (used by `cargo xtask demo` and for manual testing).
//   node tests/e2e/sim.mjs [--https-port N] [--http-port N] [--control-port N] [--also-443] [--quiet]
// Prints one JSON line with the ports, the CA path and the Chromium host-resolver rules, then
// serves until SIGINT/SIGTERM. Seed a user: curl -XPOST localhost:CONTROL/__sim/user \
//   -d '{"authenticator":"trf4","user":"RS123"}'   (answers the generated base32 key).
import { startSimulator } from './lib/simulator.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const quiet = args.includes('--quiet');
const sim = await startSimulator({
  httpsPort: opt('--https-port', Number(process.env.SIM_HTTPS_PORT ?? 0)),
  httpPort: opt('--http-port', Number(process.env.SIM_HTTP_PORT ?? 0)),
  controlPort: opt('--control-port', Number(process.env.SIM_CONTROL_PORT ?? 0)),
  alsoHttps: args.includes('--also-443') ? 443 : undefined,
  alsoHttp: args.includes('--also-443') ? 80 : undefined,
  log: quiet ? () => {} : (m) => process.stderr.write(m + '\n'),
});
process.stdout.write(JSON.stringify({
  ready: true,
  ports: sim.ports,
  control: sim.controlUrl,
  ca: sim.caPath,
  hostResolverRules: sim.hostResolverRules(),
  firefoxProxyPrefs: sim.firefoxProxyPrefs(),
  example: 'https://eproc.trf2.jus.br/eproc/index.php',
}) + '\n');
const stop = async () => { await sim.close(); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
