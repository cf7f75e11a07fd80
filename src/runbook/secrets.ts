/**
 * Secrets written in clear: where they are in a text, and the same text with them hidden.
 * The linter reports them, the CLI masks them in what it prints, derived checks must never hold one,
 * and command output is redacted with them. Every pattern runs on text of any size and origin, so each
 * one is bounded or anchored: no input makes a pattern backtrack for long.
 */

/** SecretHit is one secret of a text: where the secret itself is, what kind it is and how to fix it. */
export interface SecretHit {
  /** Offset of the secret's first character. */
  start: number;
  /** Offset just past the secret's last character. */
  end: number;
  /** Stable kebab-case name of what found it, e.g. 'url-password' or 'assignment'. */
  kind: string;
  /** How to fix it, as the start of a sentence: what to write instead. */
  hint: string;
  /** The text the secret was recognised in (`password=…`, `redis-cli -a …`), for a message to quote once the secret is masked. */
  around: { start: number; end: number };
}

/** findSecrets returns the literal secrets of a text, without overlaps, in order of appearance. */
export function findSecrets(text: string): SecretHit[] {
  const hits = DETECTORS.flatMap((detector) =>
    detector.find(text).map(
      (found): SecretHit => ({
        start: found.secretStart,
        end: found.secretEnd,
        kind: detector.kind,
        hint: detector.hint,
        around: { start: found.start, end: found.end },
      }),
    ),
  );
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  // Two detectors may see one secret (a URL inside password=...): keep the first, which is the widest.
  const kept: SecretHit[] = [];
  for (const hit of hits) {
    const last = kept[kept.length - 1];
    if (last && hit.start < last.end) continue;
    kept.push(hit);
  }
  return kept;
}

/** hasSecret tells whether a text holds at least one literal secret. */
export function hasSecret(text: string): boolean {
  return DETECTORS.some((detector) => detector.find(text).length > 0);
}

const MASK = '****';

/**
 * maskSecrets replaces every literal secret of a text with `****`, and every occurrence of each value of
 * `extra` (values known to be secret, such as resolved environment secrets, also in their URL-encoded form).
 * Empty values are ignored, and so are values of one or two letters, digits or underscores, which would
 * mask pieces of ordinary words and numbers everywhere; any other value is masked wherever it appears,
 * inside words too, since a secret glued to other text is still exposed. Ranges are merged, so a value
 * that contains another (or overlaps a detected secret) is hidden whole whatever the order.
 */
export function maskSecrets(text: string, extra: readonly string[] = []): string {
  const ranges = findSecrets(text).map((hit): [number, number] => [hit.start, hit.end]);
  for (const value of literals(extra)) {
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
      ranges.push([at, at + value.length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let masked = '';
  let from = 0;
  for (const [start, end] of ranges) {
    if (end <= from) continue;
    // A range that starts inside the previous one only extends it.
    masked += start < from ? '' : text.slice(from, start) + MASK;
    from = end;
  }
  return masked + text.slice(from);
}

/** literals lists the values of `extra` worth masking, longest first, with their URL-encoded forms. */
function literals(extra: readonly string[]): string[] {
  const values = new Set<string>();
  for (const value of extra) {
    for (const form of [value, safeEncode(value)]) {
      if (form === '' || /^[\p{L}\p{N}_]{1,2}$/u.test(form)) continue;
      values.add(form);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

function safeEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be encoded; the value itself is still masked.
    return value;
  }
}

/**
 * findPlaceholderDsns returns the URLs whose password is a placeholder (`rediss://default:PASSWORD@HOST`),
 * which the linter reports as placeholders to fill in rather than as secrets.
 */
export function findPlaceholderDsns(text: string): { start: number; end: number }[] {
  return findDsns(text)
    .filter((dsn) => dsn.kind === 'placeholder')
    .map(({ start, end }) => ({ start, end }));
}

// ---------------------------------------------------------------------------------------------
// Detectors

/** Found is a match [start, end) whose secret part [secretStart, secretEnd) must never be shown. */
interface Found {
  readonly start: number;
  readonly end: number;
  readonly secretStart: number;
  readonly secretEnd: number;
}

interface Detector {
  readonly kind: string;
  readonly hint: string;
  readonly find: (text: string) => Found[];
}

/** KNOWN_ACCOUNTS are default account names, which make "(admin/admin)" a credential and not "(read/write)". */
const KNOWN_ACCOUNTS =
  /^(?:admin|administrator|root|user|postgres|guest|minioadmin|elastic|grafana|sa|test|demo|superuser)$/i;

/**
 * DEFAULT_ACCOUNTS are the accounts that make a pair a credential outside parentheses (`admin / s3cret`,
 * `root:toor`): `user/app` and `test/demo` are too often paths for the whole KNOWN_ACCOUNTS list.
 */
const DEFAULT_ACCOUNTS =
  /^(?:admin|administrator|root|postgres|guest|minioadmin|elastic|grafana|superuser)$/i;

/** CREDENTIAL_WORDS on the line make a parenthesised pair a credential whatever the account. */
const CREDENTIAL_WORDS = /login|credential|identifiant|password|passwd|mot de passe|\bmdp\b/i;

/** LOGIN_BEFORE is a login word right before a pair: `login admin:s3cret`, `credentials: deploy / Xy12`. */
const LOGIN_BEFORE =
  /(?:\blog ?in|\bsign ?in|\bcredentials?|\bcreds|\bidentifiants?|\bpasswords?|\bpasswd|\bmots? de passe|\bmdp|\baccount|\bcompte)[\s:=*_`"'(-]{0,6}(?:(?:is|are|as|with|avec|est|sont)[\s:=*_`"'(-]{1,6})?$/i;

/** VERSION_LIKE is what follows `postgres:` or `grafana:` as an image tag or a port, not a password. */
const VERSION_LIKE =
  /^(?:v?\d[\w.+-]*|(?:latest|stable|alpine|slim|lts|edge|nightly|main|master)(?:[-.][\w.-]*)?)$/i;

/** NOT_A_VALUE are the words found after `token=` or `Password:` that are no secret: counts, switches, id-token: write. */
const NOT_A_VALUE =
  /^(?:\d+(?:\.\d+)?|true|false|null|nil|none|yes|no|on|off|empty|unset|required|optional|n\/a|na|redacted|hidden|masked|read|write|read-?write|read-?only|new|[^\p{L}\p{N}]{1,2})$/iu;

/**
 * NOT_A_LITERAL are values that stand for something else: a file that holds the secret
 * (`PASSWORD_FILE=/run/secrets/db`, fileb://key.bin), a URL (a password inside is the URL detector's),
 * an ARN, a YAML anchor, alias, tag or nested block, a function call in code (`secret = derive(key)`).
 */
const NOT_A_LITERAL = /^(?:~?\/|\.\.?\/|[a-z][a-z0-9+.-]{0,31}:\/\/|arn:|[{[&*!<]|[A-Za-z_$][\w$.]*\()/i;

/** PAIR_START is what may come before a user in a pair: not a path (/home/user/app) nor an ARN (account:key/id). */
const PAIR_START = String.raw`(?<![^\s(["'\x60*,;])`;

const DETECTORS: readonly Detector[] = [
  {
    kind: 'url-password',
    hint: `write the connection string as an \${ENV} reference such as \${DATABASE_URL}`,
    find: (text) => findDsns(text).filter((dsn) => dsn.kind === 'secret'),
  },
  {
    kind: 'credential-pair',
    hint: `keep the credentials in a password manager or an \${ENV} reference, not in the runbook`,
    find: (text) => [
      // (admin/admin), and (deploy/Xy12) on a line that speaks of logins; not (read/write).
      ...matches(text, PARENTHESISED_PAIR, 2, (m) => {
        return KNOWN_ACCOUNTS.test(m[1] ?? '') || CREDENTIAL_WORDS.test(lineAround(text, m.index));
      }),
      // admin / s3cret, and login: deploy/Xy12; paths (test/fixtures, grafana/grafana) have no spaces.
      ...matches(text, SLASH_PAIR, 4, (m) => {
        const spaced = (m[2] ?? '') !== '' || (m[3] ?? '') !== '';
        // user: admin / password: s3cret pairs two labels; the password is the labelled one.
        if ((m[4] ?? '').endsWith(':')) return false;
        return loginBefore(text, m.index) || (spaced && DEFAULT_ACCOUNTS.test(m[1] ?? ''));
      }),
      // admin:admin, root:toor; not postgres:15-alpine, redis:6379, chown root:root or /etc/passwd lines.
      ...matches(text, COLON_PAIR, 2, (m) => {
        const before = text.slice(Math.max(0, m.index - 80), m.index);
        if (
          /\b(?:chown|chgrp)\b[^\n|;&]*$|--chown=$|\bUSER[ \t]+$|(?:^|\s)(?:-u|--user)[ \t=]+$/.test(before)
        ) {
          return false;
        }
        if (loginBefore(text, m.index)) return true;
        return DEFAULT_ACCOUNTS.test(m[1] ?? '') && !VERSION_LIKE.test(m[2] ?? '');
      }),
    ],
  },
  {
    kind: 'user-option',
    hint: `pass the credentials as \${USER}:\${PASSWORD} environment references`,
    find: (text) =>
      matches(
        text,
        /(?<!\S)(?:-u|--user)(?:[ \t]{1,4}|=)["']?([^\s:"'$]{1,128}):(?!\/\/)([^\s"']{1,512})/dg,
        2,
        (m) => {
          // docker exec -u 1000:1000 (or postgres:postgres) names a user and a group, not a password.
          if (/^\d+$/.test(m[1] ?? '') && /^\d+$/.test(m[2] ?? '')) return false;
          return !/(?<![\w.-])(?:docker|podman|nerdctl|kubectl|oc|crictl|ctr|sudo|su|chroot)(?![\w.-])/.test(
            segmentBefore(text, m.index),
          );
        },
      ),
  },
  {
    kind: 'redis-password',
    hint: 'write redis-cli -a "$REDIS_PASSWORD" (or set REDISCLI_AUTH), and AUTH "$REDIS_PASSWORD"',
    find: (text) => findRedisPasswords(text),
  },
  {
    kind: 'mysql-password',
    hint: 'take the password from the environment: MYSQL_PWD, or -p"$MYSQL_PASSWORD", or an option file',
    find: (text) =>
      commandOptions(text, MYSQL, (word) => {
        const attached = /^-p(?!-)./.test(word.text);
        return attached ? { start: word.start + 2, end: word.end } : undefined;
      }),
  },
  {
    kind: 'command-password',
    hint: 'read the password from the environment or standard input (sshpass -e, docker login --password-stdin)',
    find: (text) => [
      ...findSshpassPasswords(text),
      ...commandOptions(text, LOGIN_COMMANDS, (word, next) =>
        word.text === '-p' || word.text === '--password' ? next : undefined,
      ),
    ],
  },
  {
    kind: 'password-option',
    hint: `take the value from the environment, e.g. --token "$API_TOKEN"`,
    find: (text) =>
      matches(text, PASSWORD_OPTION, 2, (m) => {
        const value = m[2] ?? '';
        return (
          isSecretName(m[1] ?? '', '=') &&
          isValue(value, m[1]) &&
          // docker build --secret id=npm,src=... names a file.
          !/^["']?[\w-]+=/.test(value) &&
          // psql --password and mysql --password prompt: the next word is the database.
          !/(?<![\w.-])(?:psql|pg_\w+|mysql\w*|mariadb[\w-]*)(?![\w.-])/.test(segmentBefore(text, m.index))
        );
      }),
  },
  {
    kind: 'authorization-header',
    hint: `write the header with an \${ENV} reference, e.g. Authorization: Bearer $API_TOKEN`,
    find: (text) => matches(text, AUTHORIZATION, 1),
  },
  {
    kind: 'api-key-header',
    hint: `write the header with an \${ENV} reference, e.g. api-key: $API_KEY`,
    find: (text) =>
      matches(
        text,
        /(?<![\w-])(?:x-)?api[-_]?key[ \t]{0,4}:[ \t]{0,4}("[^"\n]*"|'[^'\n]*'|[^\s"']{1,4096})/dgi,
        1,
      ),
  },
  {
    kind: 'assignment',
    hint: `take the value from the environment (NAME=\${NAME}) or generate it, e.g. $(openssl rand -hex 32)`,
    find: (text) => [
      // NAME=value, --password=value, ?token=value, -Dspring.datasource.password=value.
      ...matches(text, EQUALS, 2, (m) => {
        const [name, value] = [m[1] ?? '', m[2] ?? ''];
        const query = /[?&]$/.test(text.slice(Math.max(0, m.index - 1), m.index));
        // token = creds.token, spaced as code is, reads a variable.
        const variable = /\s=|=\s/.test(m[0]) && /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/.test(value);
        if (variable) return false;
        return (isSecretName(name, '=') || (query && isQuerySecret(name, value))) && isValue(value, name);
      }),
      // password: value, "password": "value", **Password:** value, POSTGRES_PASSWORD: value.
      ...matches(text, COLON, 2, (m) => {
        return isSecretName(m[1] ?? '', ':') && isValue(m[2] ?? '', m[1]) && endsLabel(text, m, 2);
      }),
    ],
  },
  {
    kind: 'labelled',
    hint: `keep the secret in a password manager or an \${ENV} reference, not in the text`,
    find: (text) => matches(text, LABEL, 1, (m) => isValue(m[1] ?? '') && endsLabel(text, m, 1)),
  },
  {
    kind: 'token',
    hint: `take the token from the environment ($API_TOKEN) and revoke this one`,
    find: (text) =>
      matches(text, TOKEN, 1, (m) => {
        // sk- names a key only when it looks random, not sk-learn-style words.
        const token = m[1] ?? '';
        return !token.startsWith('sk-') || (/\d/.test(token) && /[A-Z]/.test(token));
      }),
  },
  {
    kind: 'private-key',
    hint: 'keep the key in a file outside the runbook or in a secret store',
    find: (text) => findPrivateKeys(text),
  },
];

// Patterns. Every repetition is bounded or stops at a character the next part cannot start with, and
// every pattern starts only where its lookbehind allows: long runs of any character stay linear.

const PARENTHESISED_PAIR = /\([ \t]{0,8}([\w.@-]{1,64})[ \t]{0,8}\/[ \t]{0,8}([^\s()/]{1,256})[ \t]{0,8}\)/dg;

const SLASH_PAIR = new RegExp(
  String.raw`${PAIR_START}([\w.@-]{1,64})([ \t]{0,4})\/([ \t]{0,4})([^\s()/]{1,256})(?=$|[\s)])`,
  'dg',
);

const COLON_PAIR = new RegExp(
  String.raw`${PAIR_START}([\w.-]{1,64}):([^\s:/"'\x60()@,;=<>[\]{}]{1,256})(?=$|[\s,;)\]}>"'\x60@])`,
  'dg',
);

const LOGIN_COMMANDS =
  /(?<![\w.-])(?:(?:docker|podman|nerdctl|buildah|skopeo|helm[ \t]{1,4}registry|oras)[ \t]{1,4}login|mongo(?:sh|dump|restore|export|import|stat|top|files)?)(?![\w.-])/g;

const PASSWORD_OPTION =
  /(?<!\S)(--(?:[a-z0-9]{1,20}-){0,3}(?:password|passwd|passphrase|secret|token|api-?key))[ \t]{1,4}("[^"\n]*"|'[^'\n]*'|[^\s"'-][^\s"']{0,1023})/dg;

const AUTHORIZATION =
  /(?<![\w-])(?:proxy-)?authorization[ \t]{0,4}:[ \t]{0,4}(?:bearer|basic|token|bot|api-?key)[ \t]{1,4}([^\s"']{1,4096})/dgi;

const EQUALS =
  /(?<![\w.-])([\w.-]{1,64})["']?[ \t]{0,4}=(?!=)[ \t]{0,4}("[^"\n]*"|'[^'\n]*'|[^\s"'&;|)]{1,4096})/dg;

/** COLON takes a bare value to its end, without a lookahead: endsLabel checks what follows, which cannot backtrack. */
const COLON =
  /(?<![\w.-])[*_`"']{0,3}([\w.-]{1,64})[*_`"']{0,3}[ \t]{0,4}:(?![:/])[*_`]{0,3}[ \t]{0,4}[*_`]{0,3}("[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s"'`,;}|]{1,4096})/dg;

const LABEL =
  /(?<![\p{L}\p{N}_])(?:mots? de passe|pass ?phrase|api key|api token|access token|secret key|cl[ée] (?:d'|de l')?api)(?: [\p{L}\p{N}_-]{1,20})?[*_`]{0,3}[ \t]{0,4}:(?![:/])[*_`]{0,3}[ \t]{0,4}[*_`]{0,3}("[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s"'`,;}|]{1,4096})/dgiu;

const TOKEN =
  /(?<![\w-])(eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,}|glpat-[\w-]{20,}|xox[abprse]-[\w-]{10,}|AKIA[0-9A-Z]{16}|sk-(?:proj-|ant-)?[\w-]{20,}|gsk_\w{20,}|[sr]k_live_\w{16,}|AIza[\w-]{35}|npm_[A-Za-z0-9]{36})(?![\w-])/dg;

/** matches collects the matches of `pattern` whose group `group` is a literal secret that `accept` takes. */
function matches(
  text: string,
  pattern: RegExp,
  group: number,
  accept: (match: RegExpExecArray) => boolean = () => true,
): Found[] {
  const found: Found[] = [];
  for (const match of text.matchAll(pattern)) {
    const range = match.indices?.[group];
    if (!range || !accept(match)) continue;
    const hit = literal(text, match.index, match.index + match[0].length, range[0], range[1]);
    if (hit) found.push(hit);
  }
  return found;
}

/**
 * literal is the Found for the secret text[start, end) recognised in text[from, to), its quotes left out so
 * that masked JSON stays JSON; undefined when the value is a reference or a placeholder.
 */
function literal(text: string, from: number, to: number, start: number, end: number): Found | undefined {
  const value = text.slice(start, end);
  if (!isLiteralSecret(value)) return undefined;
  const quoted = value.length >= 2 && /^(["'`]).*\1$/s.test(value);
  return quoted
    ? { start: from, end: to, secretStart: start + 1, secretEnd: end - 1 }
    : { start: from, end: to, secretStart: start, secretEnd: end };
}

/** lineAround is the line of `at`, cut to 120 characters either side. */
function lineAround(text: string, at: number): string {
  const start = Math.max(text.lastIndexOf('\n', at) + 1, at - 120);
  const newline = text.indexOf('\n', at);
  const end = Math.min(newline < 0 ? text.length : newline, at + 120);
  return text.slice(start, end);
}

/** segmentBefore is the command text before `at`: back to the last | ; & or line break, at most 200 characters. */
function segmentBefore(text: string, at: number): string {
  const before = text.slice(Math.max(0, at - 200), at);
  return before.slice(Math.max(...['|', ';', '&', '\n'].map((c) => before.lastIndexOf(c))) + 1);
}

const LABEL_END = /[*_`]{0,3}[ \t]{0,64}(?:$|[\r\n,;}|#"'])/y;

/**
 * endsLabel tells whether the value of `Password: value` is quoted or alone to the end of its line (or of a
 * JSON or table cell): "Password: see the vault" is prose. A check after the match rather than a lookahead,
 * which would make the regex backtrack through long values.
 */
function endsLabel(text: string, match: RegExpExecArray, group: number): boolean {
  const value = match[group] ?? '';
  if (/^["'`]/.test(value)) return true;
  LABEL_END.lastIndex = match.index + match[0].length;
  return LABEL_END.test(text);
}

function loginBefore(text: string, at: number): boolean {
  return LOGIN_BEFORE.test(text.slice(Math.max(0, at - 40), at));
}

// ---------------------------------------------------------------------------------------------
// Values and names

/** isLiteralSecret is false for references ($VAR, ${VAR}, $(cmd), %VAR%, op://…) and placeholders (<token>, PASSWORD, xxx). */
function isLiteralSecret(value: string): boolean {
  const bare = unquote(value).trim();
  return (
    bare !== '' &&
    !/^(?:\$|%24|%[A-Za-z_][A-Za-z0-9_]*%$|op:\/\/|vault:)/i.test(bare) &&
    !isPlaceholderValue(bare)
  );
}

function unquote(value: string): string {
  return value.replace(/^(["'`])(.*)\1$/s, '$2');
}

/** isPlaceholderValue tells a value that waits to be filled in: PASSWORD, <token>, [key], {{ x }}, xxx, your-key. */
function isPlaceholderValue(value: string): boolean {
  return (
    /^[A-Z]+(?:_[A-Z]+)*$/.test(value) ||
    /^<[^>]*>$/.test(value) ||
    /^\[[^\]]*\]$/.test(value) ||
    /^\{\{.*\}\}$/s.test(value) ||
    /^(?:x{3,}|\*+|\.\.\.|…)$/i.test(value) ||
    /^your[-_]/i.test(value)
  );
}

/**
 * isValue is false for the values of secret-named settings that are no secret: counts, switches, paths,
 * and the setting's own name (client_secret='client_secret' shows the form, not a value).
 */
function isValue(value: string, name?: string): boolean {
  // A trailing comma ends an argument or a list item (password=None, in code), it is not part of the value.
  const bare = unquote(value).trim().replace(/,$/, '');
  const lower = bare.toLowerCase();
  const named =
    name !== undefined &&
    (lower === name.replace(/^[-_.]+/, '').toLowerCase() || lower === name.split('.').pop()?.toLowerCase());
  return !NOT_A_VALUE.test(bare) && !NOT_A_LITERAL.test(bare) && !named;
}

/** SECRET_PART matches a part of a name that names a secret: password, MYSQL_ROOT_PASSWORD's last part, authtoken. */
const SECRET_PART = /(?:password|passwd|passphrase|secret|token|apikey)s?$/;

/** NOT_SECRET_SUFFIX are parts that, after a secret word, name something about the secret: PASSWORD_FILE, token_url. */
const NOT_SECRET_SUFFIX = new Set([
  'file',
  'path',
  'dir',
  'name',
  'type',
  'ref',
  'url',
  'uri',
  'endpoint',
  'host',
  'port',
  'length',
  'len',
  'count',
  'size',
  'ttl',
  'expiry',
  'expires',
  'expire',
  'lifetime',
  'timeout',
  'policy',
  'header',
  'field',
  'method',
  'id',
  'env',
  'var',
  'prefix',
  'version',
  'mode',
  'enabled',
  'required',
  'rotation',
  'stdin',
  'encryption',
  'algorithm',
  'scheme',
  'format',
  'encoding',
  'validity',
  'units',
  'config',
  'configuration',
  'generation',
  'spec',
  'arn',
  'check',
  'list',
  'versions',
  'manager',
  'store',
  'provider',
]);

/** HANDLE_WORDS are the words that, right before `token`, name a handle or a count rather than a credential: NextToken, max_tokens. */
const HANDLE_WORDS = new Set(
  'next starting page continuation pagination sequence idempotency request client lock change creation confirmation cancel resume marker product max min input output total num prompt completion'.split(
    ' ',
  ),
);

/** KEY_OWNERS make the part after them a secret key: API_KEY, SECRET_KEY, PRIVATE_KEY. */
const KEY_OWNERS = new Set(['api', 'secret', 'private', 'signing', 'encryption', 'master', 'client']);

/**
 * isSecretName tells whether a setting name holds a secret: JWT_SECRET, max_tokens (its value says a count),
 * authToken, --password, spring.datasource.password; not tokenizer, PASSWORD_FILE or secretName.
 * `…_PWD` counts with a prefix (MYSQL_PWD), not alone (PWD is the working directory); `pass` and `…_AUTH` only count before `=`: "Pass: 3 tests" is a result, "auth: basic" a setting.
 */
function isSecretName(name: string, separator: '=' | ':'): boolean {
  // Dotted names before a colon are module paths and property lookups (secrets.resources:version).
  if (separator === ':' && name.includes('.')) return false;
  const parts = name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter((part) => part !== '')
    .map((part) => part.toLowerCase());
  let last = -1;
  parts.forEach((part, index) => {
    const key = part === 'key' && KEY_OWNERS.has(parts[index - 1] ?? '');
    const exact =
      part === 'mdp' ||
      (part === 'pwd' && index > 0) ||
      (separator === '=' &&
        (part === 'pass' || (part === 'auth' && index > 0 && index === parts.length - 1)));
    const handle = /^tokens?$/.test(part) && HANDLE_WORDS.has(parts[index - 1] ?? '');
    const joined = /^(?:next|page|max)tokens?$/.test(part);
    if ((SECRET_PART.test(part) && !handle && !joined) || key || exact) last = index;
  });
  return last >= 0 && !parts.slice(last + 1).some((part) => NOT_SECRET_SUFFIX.has(part));
}

/** isQuerySecret tells URL query parameters that carry a credential under a short name: ?key=, &sig=; not ?key=path/to/object. */
function isQuerySecret(name: string, value: string): boolean {
  if (/^key$/i.test(name) && value.includes('/')) return false;
  return /^(?:key|sig|signature|auth|pwd|pass|x-amz-signature|x-amz-credential|x-goog-signature)$/i.test(
    name,
  );
}

// ---------------------------------------------------------------------------------------------
// URLs with a password

interface Dsn extends Found {
  readonly kind: 'reference' | 'placeholder' | 'secret';
}

/**
 * DSN is `scheme://user:password@host`; the password runs to the last @ of the authority, as URL parsers
 * read it, so that `postgres://u:p@ss@db` hides `p@ss`.
 */
const DSN = /\b[a-z][a-z0-9+.-]{0,31}:\/\/([^\s:@/"'`]{0,256}):([^\s/?#"'`]{1,256})@([^\s/?#"'`@]{0,256})/dgi;

/** findDsns finds URLs carrying a password and says whether the password is a reference, a placeholder or a secret. */
function findDsns(text: string): Dsn[] {
  const found: Dsn[] = [];
  for (const match of text.matchAll(DSN)) {
    const range = match.indices?.[2];
    const password = match[2];
    if (!range || password === undefined) continue;
    found.push({
      start: match.index,
      end: match.index + match[0].length,
      secretStart: range[0],
      secretEnd: range[1],
      kind: dsnKind(password, match[3] ?? ''),
    });
  }
  return found;
}

function dsnKind(password: string, hostPort: string): Dsn['kind'] {
  if (!isLiteralSecret(password) && !isPlaceholderValue(password)) return 'reference';
  if (isPlaceholderValue(password)) return 'placeholder';
  // postgres://user:pass@host:port/db is a template: the host and port are words, not values.
  const colon = hostPort.lastIndexOf(':');
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  const port = colon < 0 ? undefined : hostPort.slice(colon + 1);
  if (/^(?:host|hostname|server)$/i.test(host) || isPlaceholderValue(host)) return 'placeholder';
  if (port !== undefined && !/^\d*$/.test(port) && !port.startsWith('$')) return 'placeholder';
  return 'secret';
}

// ---------------------------------------------------------------------------------------------
// Command lines

/** Word is one shell word of a command line, quotes included. */
interface Word {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * commandLines yields the words that follow each match of `command`, up to the end of its command (an
 * unquoted | ; & line break or backtick). A match inside a command already read is skipped, so each
 * character is read once.
 */
function* commandLines(text: string, command: RegExp): Generator<{ start: number; words: Word[] }> {
  let done = 0;
  for (const match of text.matchAll(command)) {
    if (match.index < done) continue;
    const words: Word[] = [];
    done = readWords(text, match.index + match[0].length, words);
    yield { start: match.index, words };
  }
}

/** readWords reads shell words from `from` to the end of the command into `words`, and returns where it stopped. */
function readWords(text: string, from: number, words: Word[]): number {
  let start = -1;
  let quote = '';
  let i = from;
  const close = (end: number) => {
    if (start >= 0) words.push({ start, end, text: text.slice(start, end) });
    start = -1;
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === quote) quote = '';
      else if (c === '\n') break;
      continue;
    }
    if (c === '\\') {
      // A backslash before a line break continues the command on the next line.
      if (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')) {
        close(i);
        i += text[i + 1] === '\r' ? 2 : 1;
      } else {
        if (start < 0) start = i;
        i++;
      }
      continue;
    }
    if (c === '|' || c === ';' || c === '&' || c === '\n' || c === '`') break;
    if (c === ' ' || c === '\t' || c === '\r') {
      close(i);
      continue;
    }
    if (start < 0) start = i;
    if (c === '"' || c === "'") quote = c;
  }
  close(Math.min(i, text.length));
  return i;
}

type Range = { start: number; end: number };

/** commandOptions finds, in the command lines of `command`, the secret that `secret` reads at each word. */
function commandOptions(
  text: string,
  command: RegExp,
  secret: (word: Word, next: Word | undefined) => Range | undefined,
): Found[] {
  const found: Found[] = [];
  for (const { start, words } of commandLines(text, command)) {
    words.forEach((word, index) => {
      const range = secret(word, words[index + 1]);
      const hit = range && literal(text, start, range.end, range.start, range.end);
      if (hit) found.push(hit);
    });
  }
  return found;
}

/** findSshpassPasswords finds sshpass -p values among the options before the command sshpass runs. */
function findSshpassPasswords(text: string): Found[] {
  const found: Found[] = [];
  for (const { start, words } of commandLines(text, /(?<![\w.-])sshpass(?![\w.-])/g)) {
    for (let i = 0; i < words.length && words[i]!.text.startsWith('-'); i++) {
      const word = words[i]!;
      const range =
        word.text === '-p'
          ? words[++i]
          : word.text.startsWith('-p')
            ? { start: word.start + 2, end: word.end }
            : undefined;
      if (['-f', '-d', '-P'].includes(word.text)) i++;
      const hit = range && literal(text, start, range.end, range.start, range.end);
      if (hit) found.push(hit);
    }
  }
  return found;
}

const MYSQL =
  /(?<![\w.-])(?:mysql(?:dump|admin|check|import|show|pump|sh)?|mariadb(?:-dump|-admin|-check|-import|-show)?)(?![\w.-])/g;

const REDIS_CLI = /(?<![\w.-])redis-cli(?![\w.-])/g;

/** REDIS_VALUED are the redis-cli options that take a value, so that the value is not read as the command. */
const REDIS_VALUED = new Set(
  '-h -p -s -a -u -r -i -n -d -D -e --user --pass --sni --cacert --cacertdir --cert --key --tls-ciphers --tls-ciphersuites --eval --pattern --count --rdb --memkeys-samples'.split(
    ' ',
  ),
);

/** findRedisPasswords finds redis-cli -a/--pass values and AUTH arguments, on the command line or at a redis prompt. */
function findRedisPasswords(text: string): Found[] {
  const found: Found[] = [];
  const push = (start: number, word: Word | undefined) => {
    const hit = word && literal(text, start, word.end, word.start, word.end);
    if (hit) found.push(hit);
  };
  for (const { start, words } of commandLines(text, REDIS_CLI)) {
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!.text;
      if (word === '-a' || word === '--pass') push(start, words[i + 1]);
      if (REDIS_VALUED.has(word)) {
        i++;
        continue;
      }
      if (word.startsWith('-')) continue;
      // The first other word is the command: AUTH password, or AUTH username password.
      const args = words.slice(i + 1);
      if (/^auth$/i.test(word) && (args.length === 1 || args.length === 2))
        push(start, args[args.length - 1]);
      break;
    }
  }
  // 127.0.0.1:6379> AUTH s3cret, at an interactive prompt.
  for (const { start, words } of commandLines(text, /:\d{1,5}(?:\[\d{1,3}\])?>[ \t]{0,8}auth(?![\w.-])/gi)) {
    if (words.length === 1 || words.length === 2) push(start, words[words.length - 1]);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Private keys

const KEY_HEADER = /-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

/** findPrivateKeys finds PEM private keys; without an END line, the key runs to the end of the text. */
function findPrivateKeys(text: string): Found[] {
  const found: Found[] = [];
  let done = 0;
  for (const match of text.matchAll(KEY_HEADER)) {
    if (match.index < done) continue;
    const bodyStart = match.index + match[0].length;
    const footer = text.indexOf('-----END ', bodyStart);
    const bodyEnd = footer < 0 ? text.length : footer;
    const footerEnd = footer < 0 ? text.length : text.indexOf('-----', footer + 9);
    done = footerEnd < 0 ? text.length : footerEnd + 5;
    const body = text.slice(bodyStart, bodyEnd);
    const secretStart = bodyStart + (body.length - body.trimStart().length);
    const secretEnd = bodyStart + body.trimEnd().length;
    if (secretEnd <= secretStart) continue;
    found.push({ start: match.index, end: done, secretStart, secretEnd });
  }
  return found;
}
