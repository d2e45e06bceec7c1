// The text form of an Explanation: what happens first, then why, one decision per block.
import type { Explanation, GatewayView, Outcome } from './explain.ts';

export function outcomeLine(o: Outcome): string {
  switch (o.kind) {
    case 'forward': {
      const live = o.backends.filter((b) => b.share > 0);
      return `forwarded to ${live.map((b) => `${b.backend}${live.length > 1 ? ` (${Math.round(b.share * 1000) / 10}%)` : ''}`).join(', ')}`;
    }
    case 'redirect': return `redirected: ${o.status} Location: ${o.location}`;
    case 'respond': return o.status === 0 ? o.reason : `answered by the gateway: ${o.status} (${o.reason})`;
  }
}

function mark(selected: boolean): string {
  return selected ? '✔' : '✘';
}

function gatewayBlock(g: GatewayView): string[] {
  const out: string[] = [];
  out.push(`Gateway ${g.gateway}${g.addresses.length ? ` (${g.addresses.join(', ')})` : ''}: ${g.accepted ? 'accepts' : 'does not accept'} — ${g.why}`);
  if (g.listeners.length) {
    out.push('  listeners on the port:');
    for (const l of g.listeners) out.push(`    ${mark(l.selected)} ${l.id} [${l.protocol} ${l.hostname}] ${l.source}: ${l.why}`);
  }
  if (g.normalizedPath !== undefined) out.push(`  path after normalisation: ${g.normalizedPath}`);
  if (g.hosts.length) {
    out.push('  route hostnames on the listener:');
    for (const h of g.hosts) out.push(`    ${mark(h.selected)} ${h.hostname}: ${h.routes.join(', ')}`);
  }
  if (g.rules.length) {
    out.push('  rules in precedence order:');
    for (const r of g.rules) {
      out.push(`    ${mark(r.selected)} #${r.position} ${r.route} ${r.rule} [${r.conditions.map((c) => `${c.holds ? '' : '!'}${c.what}`).join(', ')}]: ${r.why}`);
    }
  }
  if (g.rule) {
    const t = g.rule.timeouts;
    const extras = [
      t.requestMs !== undefined ? `request timeout ${t.requestMs} ms` : '',
      t.backendRequestMs !== undefined ? `backend request timeout ${t.backendRequestMs} ms` : '',
      g.rule.retry ? `up to ${g.rule.retry.attempts - 1} retries on ${g.rule.retry.codes.join(', ')}` : '',
      g.rule.sessionPersistence ? `session persistence by ${g.rule.sessionPersistence.type.toLowerCase()} ${g.rule.sessionPersistence.name}` : '',
    ].filter(Boolean);
    out.push(`  rule: ${g.rule.route} ${g.rule.rule} (${g.rule.id})${extras.length ? `; ${extras.join('; ')}` : ''}`);
  }
  if (g.filters.length) {
    out.push('  filters, in the order they run:');
    for (const f of g.filters) out.push(`    ${f.type}${f.level === 'backend' ? ` (only when ${f.backend} is picked)` : ''}: ${f.effect}`);
  }
  if (g.outcome.kind === 'forward') {
    out.push(`  backends (upstream Host ${g.outcome.upstream.host}, path ${g.outcome.upstream.path}):`);
    for (const b of g.outcome.backends) {
      const share = b.invalid ? `never: answers ${b.invalid.status} (${b.invalid.reason})` : `weight ${b.weight}, ${Math.round(b.share * 1000) / 10}%`;
      out.push(`    ${b.backend} ${b.protocol}${b.tls ? `, ${b.tls}` : ''}: ${share}; endpoints: ${b.endpoints.join(', ') || 'none (answers 503)'}`);
    }
  }
  out.push(`  outcome: ${outcomeLine(g.outcome)}`);
  return out;
}

export function formatExplanation(e: Explanation): string {
  const r = e.request;
  const lines = [
    `request: ${r.method} ${r.scheme}://${r.authority}${r.path}${r.query} on port ${r.port}${r.port !== r.listenerPort ? ` (listener port ${r.listenerPort})` : ''}${r.sni ? `, TLS server name ${r.sni}` : ''}`,
  ];
  const accepting = e.gateways.filter((g) => g.accepted);
  if (e.gateways.length === 0) lines.push('no Gateway in the configuration (or none selected with --gateway)');
  else if (accepting.length === 0) lines.push(`no Gateway accepts it (the client gets 404 or a refused connection): ${e.gateways.length} checked`);
  else if (accepting.length > 1) lines.push(`${accepting.length} Gateways accept it; which one gets it depends on the address ${r.host} resolves to`);
  for (const g of [...accepting, ...e.gateways.filter((x) => !x.accepted)]) lines.push('', ...gatewayBlock(g));
  return lines.join('\n');
}
