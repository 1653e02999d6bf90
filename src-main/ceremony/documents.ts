import { escapeHtml as e, printableDocument } from '../pdf/html.js';
import type { CeremonyState } from './engine.js';
import { hexToPgpWords } from './pgp-words.js';

/**
 * The printable documents of a ceremony: the transcript (for the binder; the signed bundle is
 * what an auditor verifies) and a custodian's share card. A card carries a secret, so it is only
 * ever rendered in memory and handed to its custodian's screen; nothing here writes files.
 */

const roleLabel: Record<string, string> = {
  'ceremony-administrator': 'Ceremony administrator',
  'internal-witness': 'Internal witness',
  'key-custodian': 'Key custodian',
  auditor: 'Auditor',
};

export function transcriptDocument(state: CeremonyState, o: { exportedAt: Date; bundleName: string; signingKeyFingerprint: string }): string {
  const t = state.template;
  const head = state.transcript[state.transcript.length - 1];
  const people = state.participants.map((p) => `<tr><td>${e(roleLabel[p.role] ?? p.role)}</td><td>${e(p.name)}</td><td class="mono">${e(p.id)}</td><td></td></tr>`).join('');
  const entries = state.transcript
    .map((x) => {
      const details = Object.entries(x.details)
        .map(([k, v]) => `<div><b>${e(k)}</b>: ${e(v === null ? '—' : String(v))}</div>`)
        .join('');
      return `<tr><td>${x.seq}</td><td class="mono">${e(x.time)}</td><td>${e(x.actor ?? '—')}</td><td>${e(x.operation)}</td><td>${details}</td></tr><tr><td></td><td colspan="4" class="mono muted">hash ${e(x.hash)}</td></tr>`;
    })
    .join('');
  const fp = state.fingerprint ? `<h2>Key fingerprint</h2><p class="mono">${e(state.fingerprint)}</p><p>${e(hexToPgpWords(state.fingerprint).join(' '))}</p>` : '';
  const body = `<h1>Ceremony transcript: ${e(t.title)}</h1>
<table><tr><th>Ceremony</th><td class="mono">${e(state.ceremonyId)}</td></tr>
<tr><th>Template</th><td>${e(t.id)} version ${t.version} (SHA-256 <span class="mono">${e(state.templateHash)}</span>)</td></tr>
<tr><th>Status</th><td>${e(state.status)}${state.abortReason ? ` — aborted: ${e(state.abortReason)}` : ''}</td></tr>
<tr><th>Transcript head</th><td class="mono">${e(head?.hash ?? '')} (${state.transcript.length} entries)</td></tr>
<tr><th>Signed bundle</th><td class="mono">${e(o.bundleName)}</td></tr>
<tr><th>Audit signing key</th><td class="mono">${e(o.signingKeyFingerprint)}</td></tr>
<tr><th>Printed</th><td>${e(o.exportedAt.toISOString())}</td></tr></table>
<p class="muted">Verify the signed bundle with: custos audit verify ${e(o.bundleName)} --expect-key ${e(o.signingKeyFingerprint)}</p>
${fp}
<h2>Participants</h2><table><tr><th>Role</th><th>Name</th><th>User</th><th>Signature</th></tr>${people}</table>
<h2>Entries</h2><table><tr><th>#</th><th>Time (UTC)</th><th>By</th><th>Operation</th><th>Details</th></tr>${entries}</table>`;
  return printableDocument(`Ceremony ${state.ceremonyId}`, body);
}

export interface CardInput {
  custodian: string;
  keyName: string;
  fingerprint: string | null;
  packageId: string;
  scheme: 'slip39' | 'xor';
  index: number;
  threshold: number;
  count: number;
  share: string;
  kcv: string | null;
  printedAt: Date;
}

/** A custodian's share card: the share, what it belongs to, and how to keep it. */
export function custodianCardDocument(c: CardInput): string {
  const words = c.scheme === 'slip39'
    ? `<table>${chunk(c.share.trim().split(/\s+/), 4).map((row, r) => `<tr>${row.map((w, i) => `<td><span class="muted">${r * 4 + i + 1}.</span> <b>${e(w)}</b></td>`).join('')}</tr>`).join('')}</table>`
    : `<p class="mono" style="font-size:14pt">${e(chunk(c.share.split(''), 4).map((x) => x.join('')).join(' '))}</p><p>Component check value: <b class="mono">${e(c.kcv ?? '')}</b></p>`;
  const body = `<h1>Custodian share card</h1>
<p><b>SECRET — for ${e(c.custodian)} only.</b> Keep this card sealed in a tamper-evident bag; never photograph, copy or type it anywhere but into Custos.</p>
<table><tr><th>Custodian</th><td>${e(c.custodian)}</td></tr>
<tr><th>Key</th><td>${e(c.keyName)}</td></tr>
${c.fingerprint ? `<tr><th>Key fingerprint</th><td class="mono">${e(c.fingerprint)}</td></tr>` : ''}
<tr><th>Backup package</th><td class="mono">${e(c.packageId)}</td></tr>
<tr><th>Share</th><td>${c.index} of ${c.count}; ${c.scheme === 'xor' ? 'all components' : `any ${c.threshold}`} are needed to recover</td></tr>
<tr><th>Printed</th><td>${e(c.printedAt.toISOString())}</td></tr></table>
<h2>${c.scheme === 'slip39' ? 'SLIP-0039 mnemonic' : 'XOR component'}</h2>${words}
<p class="muted">Check the card with Custos (Backups → Verify a share) without reconstructing the key.</p>`;
  return printableDocument(`Share card ${c.index} for ${c.custodian}`, body);
}

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
