import { parseArgs } from 'node:util';
import { ALGORITHM_IDS } from '../../src-shared/keys.js';
import { CustosError, toErrorShape } from '../errors.js';
import { approvalsApprove, approvalsList, approvalsReject } from './commands/approvals.js';
import { auditExport, auditList, auditVerify } from './commands/audit.js';
import { demoSeed } from './commands/demo.js';
import { inventoryList, inventorySummary } from './commands/inventory.js';
import { inventoryExportCbom } from './commands/inventory-cbom.js';
import { reportCompliance, reportEvidence } from './commands/report.js';
import { init } from './commands/init.js';
import { keysList, keysShow } from './commands/keys.js';
import { keysCancelDestruction, keysCsr, keysExportPublic, keysSelfSign, keysDecrypt, keysDestroy, keysEncrypt, keysGenerate, keysRotate, keysSign, keysTransition, keysVerify, tokensDiscover, tokensInit, tokensList } from './commands/tokens.js';
import { methodsAddPassphrase, methodsAddToken, methodsList, methodsRemove, methodsSetQuorum, unlockCheck } from './commands/methods.js';
import { usersAdd, usersDisable, usersList, usersPasswd, usersSetRole } from './commands/users.js';
import { usersCards, usersRemoveCard, usersSetCard } from './commands/cards.js';
import { OPTIONS, UsageError, type Cli, type Values } from './context.js';
import { policyEvaluate, tasksList } from './commands/policy.js';
import { sharesCombine, sharesSplit } from './commands/shares.js';
import { backupCreate, backupRecover, backupVerifyShare } from './commands/backup.js';
import { ceremonyAllowWrappableCa, ceremonyList, ceremonyRun } from './commands/ceremony.js';
import { analyze } from './commands/analyze.js';
import { scanTls } from './commands/scan-tls.js';
import { cbomExport, cbomImport } from './commands/cbom.js';
import { importCommand } from './commands/import.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';

export const HELP = `custos — key lifecycle console, command line

Usage:
  custos init --vault DIR --admin NAME --passphrase-file FILE
  custos [AUTH] keys generate --name LABEL --alg ALG [--json]
  custos [AUTH] keys list [--search PREFIX] [--limit N] [--json]
  custos [AUTH] keys generate --name LABEL --alg ALG [--purpose tls-server|code-signing|ca-root|…] [--usage sign,verify]
  custos [AUTH] keys generate --token SERIAL --pin-file F --name LABEL --alg ALG [--usage sign,verify] [--wrappable]
  custos [AUTH] keys show ID [--json]
  custos [AUTH] keys sign ID --in FILE --out SIG [--mechanism M] [--pin-file F]
  custos [AUTH] keys verify ID --in FILE --sig SIG [--mechanism M]
  custos [AUTH] keys encrypt ID --in FILE --out FILE.enc     (AES-GCM or RSA-OAEP)
  custos [AUTH] keys decrypt ID --in FILE.enc --out FILE
  custos [AUTH] keys activate|suspend|resume|deactivate ID
  custos [AUTH] keys revoke ID --reason key-compromise|ca-compromise|superseded|…
  custos [AUTH] keys rotate ID [--pin-file F]
  custos [AUTH] keys export-public ID --format pem|jwk|openssh [--out FILE]
  custos [AUTH] keys csr ID --subject "CN=…, O=…, C=…" --out FILE [--dns a,b] [--pin-file F]
  custos [AUTH] keys self-sign ID --subject DN --days N [--ca] --out FILE [--pin-file F]
  custos [AUTH] keys destroy ID [--after DAYS]     (dual control; erased after the waiting period)
  custos [AUTH] keys cancel-destruction ID
  custos [AUTH] policy evaluate [--as-of YYYY-MM-DD] [--limit N] [--json]
  custos [AUTH] tasks list [--days N] [--json]      (due rotations, scheduled destructions)
  custos [AUTH] tokens list [--json]
  custos [AUTH] tokens discover SERIAL [--pin-file F]
  custos [AUTH] tokens init --module PATH --slot N --label L --so-pin-file F --user-pin-file F
  custos [AUTH] users list [--json]
  custos [AUTH] users add NAME --role ROLE --new-passphrase-file F [--no-personal-unlock]
  custos [AUTH] users disable NAME
  custos [AUTH] users set-role NAME --role ROLE
  custos [AUTH] users passwd [NAME] --new-passphrase-file F
  custos [AUTH] users cards [--json]
  custos [AUTH] users set-card NAME --token SERIAL --key KEYID|CKA_ID --pin-file F
  custos [AUTH] users remove-card NAME
  custos [AUTH] approvals list [--status pending|executed|…] [--json]
  custos [AUTH] approvals approve ID [--token SERIAL --pin-file F]   (a request that acts on that token)
  custos [AUTH] approvals reject ID --reason TEXT
  custos [AUTH] methods list [--json]
  custos [AUTH] methods set-quorum --threshold M --custodians A,B,C [--share-passphrase-files F1,F2,F3]
  custos [AUTH] methods add-passphrase NAME --new-passphrase-file F
  custos [AUTH] methods add-token HOLDER --token SERIAL --pin-file F
  custos [AUTH] methods remove ID
  custos [--vault DIR] unlock --quorum --custodians A,B [--share-passphrase-files F1,F2]
  custos [AUTH] audit list [--key ID] [--actor NAME] [--operation OP] [--outcome O] [--limit N] [--json]
  custos [AUTH] audit verify [--json]             verify the vault's own chain (with MACs)
  custos [AUTH] audit export --out FILE            write a self-contained, signed bundle
  custos audit verify FILE [--expect-key FP] [--json]   verify a bundle anywhere, no vault needed
  custos [AUTH] backup create KEY --scheme slip39|xor|files --threshold M --shares N --custodians A,B,C
               [--share-passphrase-files F1,F2,F3] --out PACKAGE
  custos backup verify-share PACKAGE (--mnemonics-file F | --components-file F | --share-files F --share-passphrase-files P)
  custos [AUTH] backup recover PACKAGE (--mnemonics-file F | --components-file F | --share-files F1,F2 --share-passphrase-files P1,P2)
               [--token SERIAL]   (a token-wrapped backup is restored into that token)
     backup create of a token key needs --pin-file (it is wrapped on its token under the backup key)
  custos [AUTH] analyze [--blocklist FILE] [--days N] [--json]   every check over the inventory (weak RSA/EC/symmetric keys,
               ROCA, shared primes, certificates, a badkeys blocklist); findings are stored and shown
  custos [AUTH] import PATH… [--private] [--key-passphrase-file F] [--json]   key and certificate files and folders
               (PEM/DER, PKCS#8/#1/#12/#7/#10, SEC1, OpenSSH, JWK/JWKS); one outcome per file; public parts
               always, private keys into the vault only with --private (and the policy's leave)
  custos [AUTH] scan-tls HOST:PORT… [--json]   record the chains these endpoints present (nothing else is contacted)
  custos [AUTH] cbom export --out FILE | cbom import FILE   CycloneDX 1.6 CBOM of the inventory (public metadata)
  custos [AUTH] inventory list [--filter JSON] [--search TEXT] [--sort FIELD[:asc|desc]] [--limit N] [--json]
               filters: states algorithms sizes stores purposes owners tags finding ageDays due dueRules
               certificateNotAfter origins (see src-shared/contract-inventory.ts); sort: name state algorithm
               size store purpose owner createdAt dueAt
  custos [AUTH] inventory summary [--as-of YYYY-MM-DD] [--json]   the dashboard's figures
  custos [AUTH] inventory export-cbom (ID… | --filter JSON [--search TEXT]) --out FILE [--json]   CycloneDX 1.6 CBOM of
               those keys (at most 50,000), their algorithms and certificates
  custos [AUTH] demo seed [--keys N]   a synthetic estate (demo data, marked as such) in an empty or demo vault
  custos [AUTH] report compliance [--as-of YYYY-MM-DD] --out FILE.pdf|FILE.json
  custos [AUTH] report evidence [--as-of YYYY-MM-DD] --out DIR   report (JSON+PDF), audit bundle, CBOM, policy, manifest
  custos [AUTH] ceremony list
  custos [AUTH] ceremony run TEMPLATE --script FILE [--out DIR]   (a rehearsal answered by the script)
  custos [AUTH] ceremony allow-wrappable-ca-keys   policy change (dual control): CA keys on tokens may be wrappable for backups
  custos shares split --secret-hex HEX --threshold M --shares N [--passphrase-file F]
  custos shares split --secret-hex HEX --groups 2/3,3/5 --group-threshold G [--passphrase-file F]
  custos shares combine --in FILE [--passphrase-file F]    SLIP-0039 mnemonics, one per line
  custos --help | --version

AUTH (who acts):
  [--vault DIR] --user NAME --passphrase-file FILE
      the user's own passphrase unlocks the vault and logs them in
  [--vault DIR] --quorum --custodians A,B --share-passphrase-files F1,F2 --user NAME --passphrase-file FILE
      a custodian quorum unlocks the vault, then NAME logs in
  [--vault DIR] --unlock-token SERIAL --pin-file FILE
      a PKCS#11 token that is an unlock method opens the vault; its holder is logged in
  [--vault DIR] --quorum --custodians A,B --share-passphrase-files F1,F2 --user NAME --card SERIAL --pin-file FILE
      a custodian quorum unlocks the vault, then NAME signs in with their registered smart card:
      the card signs a fresh challenge after its PIN (from FILE) opens it

Options:
  --vault DIR             the vault folder (default: $CUSTOS_VAULT, else the per-user data folder)
  --passphrase-file FILE  file whose first line is the passphrase ("-" reads standard input)
  --json                  print machine-readable JSON on standard output

Roles: administrator security-officer key-custodian auditor
Mechanisms: rsa-pkcs1-sha256 rsa-pss-sha256 ecdsa-sha256 ecdsa-sha384 ecdsa-sha512 eddsa hmac-sha256
PKCS#11 modules: Debian's SoftHSM2 and OpenSC when installed, plus absolute paths listed in
  CUSTOS_PKCS11_MODULES (colon-separated). A token PIN is read from --pin-file, never stored.
Algorithms: ${ALGORITHM_IDS.join(' ')}

Changes to people, unlock methods and the dual-control policy may wait for a second person's
approval (approvals approve ID, run by that person).

Exit codes: 0 ok, 1 failure, 2 usage, 3 authentication failed, 4 not found, 5 vault missing or
locked, 6 integrity error (tampered or damaged), 7 not permitted, 8 conflict (already exists).
`;

type Command = (cli: Cli) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  'keys generate': keysGenerate,
  'keys list': keysList,
  'keys show': keysShow,
  'keys sign': keysSign,
  'keys verify': keysVerify,
  'keys encrypt': keysEncrypt,
  'keys decrypt': keysDecrypt,
  'keys activate': keysTransition('activate'),
  'keys suspend': keysTransition('suspend'),
  'keys resume': keysTransition('resume'),
  'keys deactivate': keysTransition('deactivate'),
  'keys revoke': keysTransition('revoke'),
  'keys rotate': keysRotate,
  'keys export-public': keysExportPublic,
  'keys csr': keysCsr,
  'keys self-sign': keysSelfSign,
  'keys destroy': keysDestroy,
  'keys cancel-destruction': keysCancelDestruction,
  'tokens list': tokensList,
  'policy evaluate': policyEvaluate,
  'tasks list': tasksList,
  'shares split': sharesSplit,
  'backup create': backupCreate,
  'ceremony list': ceremonyList,
  'ceremony run': ceremonyRun,
  'ceremony allow-wrappable-ca-keys': ceremonyAllowWrappableCa,
  'backup verify-share': backupVerifyShare,
  'backup recover': backupRecover,
  'shares combine': sharesCombine,
  'tokens discover': tokensDiscover,
  'tokens init': tokensInit,
  'users list': usersList,
  'users add': usersAdd,
  'users disable': usersDisable,
  'users set-role': usersSetRole,
  'users passwd': usersPasswd,
  'users cards': usersCards,
  'users set-card': usersSetCard,
  'users remove-card': usersRemoveCard,
  'approvals list': approvalsList,
  'approvals approve': approvalsApprove,
  'approvals reject': approvalsReject,
  'methods list': methodsList,
  'methods set-quorum': methodsSetQuorum,
  'methods add-passphrase': methodsAddPassphrase,
  'methods add-token': methodsAddToken,
  'methods remove': methodsRemove,
  'audit list': auditList,
  'audit verify': auditVerify,
  'audit export': auditExport,
  'cbom export': cbomExport,
  'cbom import': cbomImport,
  'demo seed': demoSeed,
  'inventory list': inventoryList,
  'inventory summary': inventorySummary,
  'inventory export-cbom': inventoryExportCbom,
  'report compliance': reportCompliance,
  'report evidence': reportEvidence,
};

/** Commands that are one word. */
const SINGLE: Record<string, Command> = { init, unlock: unlockCheck, analyze, 'scan-tls': scanTls, import: importCommand };

export async function runCli(argv: string[], io: CliIo, version: string): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    io.stderr(`custos: ${(e as Error).message.split('\n')[0]}. See custos --help.\n`);
    return EXIT.usage;
  }
  if (values.help || positionals[0] === 'help') {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (values.version) {
    io.stdout(`custos ${version}\n`);
    return EXIT.ok;
  }
  const [noun, verb, ...rest] = positionals;
  try {
    if (!noun) throw new UsageError('no command given');
    const single = SINGLE[noun];
    if (single) return await single({ io, values, args: [verb, ...rest].filter((x): x is string => x !== undefined), command: noun });
    const command = `${noun} ${verb ?? ''}`.trim();
    const fn = COMMANDS[command];
    if (!fn) throw new UsageError(`unknown command "${command}"`);
    return await fn({ io, values, args: rest, command });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`custos: ${e.message}. See custos --help.\n`);
      return EXIT.usage;
    }
    const shape = toErrorShape(e);
    if (!(e instanceof CustosError) && io.env.CUSTOS_DEBUG) io.stderr(`${(e as Error).stack ?? String(e)}\n`);
    io.stderr(`custos: ${shape.code}: ${shape.message}\n`);
    return exitCodeFor(shape.code);
  }
}
